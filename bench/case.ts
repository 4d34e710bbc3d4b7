// npm run bench:case -- <held-out case id> (bench/data/heldout or heldout-fresh): one held-out case through the pipeline, with its plan and
// the components at the peak, to see where a prediction comes from.
import path from 'node:path';
import { GiB } from '../src/analysis/units';
import { nodeAnalysisDeps } from '../src/node-deps';
import { analyzeCase, heldoutCases, HELDOUT_DIR, LATER_SETS } from './lib/heldout';

async function main() {
  const base = await nodeAnalysisDeps(path.join(__dirname, '..'));
  for (const id of process.argv.slice(2)) {
    const setDir = [HELDOUT_DIR, ...LATER_SETS.map((s) => s.dir)].find((d) => heldoutCases(d).some((x) => x.id === id));
    const c = setDir ? heldoutCases(setDir).find((x) => x.id === id) : undefined;
    if (!c || !setDir) {
      console.log(`no case ${id}`);
      continue;
    }
    const analysed = analyzeCase(c, base, setDir);
    if (!analysed) {
      console.log(`${id}: ${c.entry} missing`);
      continue;
    }
    const r = analysed.report;
    console.log(
      `\n== ${c.id}: measured ${'oom' in c.measured ? 'OOM' : `${c.measured.value} ${c.measured.unit} ${c.measured.metric}`} on ${c.gpus}× ${c.gpu.name}`,
    );
    if (!r.plan || !r.estimate) {
      console.log(r.findings.map((f) => f.message).join('\n'));
      continue;
    }
    for (const [k, f] of Object.entries(r.plan))
      console.log(`  ${k.padEnd(22)} ${JSON.stringify(f.value).padEnd(24)} ${f.origin.padEnd(9)} ${f.reason.slice(0, 90)}`);
    const e = r.estimate;
    console.log(
      `  peak ${e.phase}: allocated ${(e.peakAllocatedBytes / GiB).toFixed(2)} reserved ${(e.peakReservedBytes / GiB).toFixed(2)} device ${(e.peakDeviceBytes / GiB).toFixed(2)} GiB; phases ${e.phases.map((p) => `${p.phase} ${(p.requiredBytes / GiB).toFixed(2)}`).join(', ')}`,
    );
    for (const x of e.components) console.log(`    ${x.name.padEnd(20)} ${(x.bytes / GiB).toFixed(2).padStart(7)} GiB  ${x.formula.slice(0, 110)}`);
  }
}
void main();
