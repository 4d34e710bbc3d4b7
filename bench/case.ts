// npm run bench:case -- <held-out case id> (bench/data/heldout or heldout-fresh): one held-out case through the pipeline, with its plan and
// the components at the peak, to see where a prediction comes from.
import path from 'node:path';
import { specFromHfConfig } from '../src/analysis/models/catalog';
import { ModelSpec } from '../src/analysis/models/spec';
import { analyzeText, DEFAULT_SETTINGS } from '../src/analysis/report';
import { GiB } from '../src/analysis/units';
import { listShellScripts, nodeAnalysisDeps, readSmallFile } from '../src/node-deps';
import { FRESH_DIR, heldoutCases, HELDOUT_DIR } from './lib/heldout';

async function main() {
  const base = await nodeAnalysisDeps(path.join(__dirname, '..'));
  for (const id of process.argv.slice(2)) {
    const setDir = [HELDOUT_DIR, FRESH_DIR].find((d) => heldoutCases(d).some((x) => x.id === id));
    const c = setDir ? heldoutCases(setDir).find((x) => x.id === id) : undefined;
    if (!c || !setDir) {
      console.log(`no case ${id}`);
      continue;
    }
    const dir = path.join(setDir, c.id);
    const file = path.join(dir, c.entry);
    const text = readSmallFile(file)!;
    const settings = { ...DEFAULT_SETTINGS, targetGpu: c.gpu.id, gpuCount: c.gpus };
    const deps = { ...base, readFile: readSmallFile, workspaceRoot: dir, listShellScripts };
    let r = analyzeText(text, file, settings, deps);
    if (r.model && !r.model.spec && c.config) {
      const m = specFromHfConfig(c.config, r.model.ref);
      if (m.spec) r = analyzeText(text, file, settings, { ...deps, hubModels: new Map<string, ModelSpec>([[r.model.ref, m.spec]]) });
    }
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
