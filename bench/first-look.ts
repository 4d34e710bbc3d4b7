// npm run bench:first-look -- <out.json>: scores the held-out sets (memory, labelled files, time) with the
// engine as it is, and writes the per-case results. Run once on the engine before it is changed for
// these sets (bench/data/first-look.json was written by this script on the engine at the commit it
// names); bench:accuracy, bench:extraction and bench:time print that first look next to today's figures.
import { execSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { nodeAnalysisDeps } from '../src/node-deps';
import { labels, scoreLabel, summarizeExtraction } from './lib/extraction';
import { heldoutCases, scoreCase, summariesOf } from './lib/heldout';
import { scoreTimeCase, summarizeTime, timeCases } from './lib/heldout-time';

async function main() {
  const out = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? path.join(__dirname, '..', '..', 'bench', 'data', 'first-look.json');
  // the first look is scored once; a second run must not replace it with the figures of a changed engine
  if (existsSync(out) && !process.argv.includes('--force')) {
    console.log(`bench:first-look: ${path.relative(process.cwd(), out)} exists and keeps the first look; pass another path (or --force) to score again`);
    process.exitCode = 1;
    return;
  }
  const deps = await nodeAnalysisDeps(path.join(__dirname, '..'));
  const memory = heldoutCases()
    .filter((c) => !c.excluded)
    .map((c) => scoreCase(c, deps));
  const files = labels().map((l) => scoreLabel(l, deps));
  const time = timeCases().map(scoreTimeCase);
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse HEAD', { encoding: 'utf8' }).trim();
  } catch {
    /* not a checkout */
  }
  const result = {
    description: 'First look: the held-out sets scored once by the engine before it was changed for them.',
    engineCommit: commit,
    date: new Date().toISOString().slice(0, 10),
    memory: { rows: memory, summaries: summariesOf(memory) },
    extraction: {
      files: files.map((f) => ({
        file: f.file,
        isTraining: f.isTraining,
        productTraining: f.productTraining,
        estimate: f.estimate,
        equal: f.fields.filter((x) => x.equal).length,
        fields: f.fields.length,
        missing: !!f.missing,
      })),
      summary: summarizeExtraction(files),
    },
    time: { rows: time, summary: summarizeTime(time) },
  };
  writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
  console.log(
    `wrote ${out}: memory ${memory.length} cases, ${files.length} labelled files (${files.filter((f) => f.missing).length} missing), time ${time.length} cases; engine ${commit}`,
  );
}

void main();
