// npm run bench:accuracy — the engine against published, measured peaks (bench/data/calibration.json).
// Prints each case's prediction, the measured value on the same metric, the signed error, and a summary.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { estimateMemory, CUDA_CONTEXT_BYTES } from '../src/analysis/memory/estimate';
import { defaultJob, defaultSetup, JobSetup, TrainingSetup } from '../src/analysis/memory/setup';
import { resolveModel } from '../src/analysis/models/catalog';
import { GiB } from '../src/analysis/units';
import { bandAround } from '../src/analysis/memory/band';
import { calibrationCases, calibrationClass, modelOf, predictedOn, setupOf } from './lib/calibration';

const cases = calibrationCases();

const rows: { id: string; pred: number; meas: number; err: number; metric: string; wrongNoFit: boolean; inBand: boolean; width: number }[] = [];
console.log('case                  metric     predicted   measured    error   GPU');
const excluded = cases.filter((c) => c.excluded);
for (const c of cases.filter((c) => !c.excluded)) {
  const est = estimateMemory(modelOf(c), setupOf(c));
  const meas = (c.measured.value * (c.measured.unit === 'GB' ? 1e9 : GiB)) / GiB;
  const pred = predictedOn(c.measured.metric, est) / GiB;
  const err = (pred - meas) / meas;
  const usable = c.gpu ? c.gpu.mem_gib - CUDA_CONTEXT_BYTES / GiB : Infinity;
  // the verdict against the band (verdict.ts): "does not fit" only when its low end is over the card
  const band = bandAround(1, calibrationClass(c));
  const wrongNoFit = (est.requiredBytes / GiB) * band.lowBytes > usable;
  const inBand = meas >= pred * band.lowBytes && meas <= pred * band.highBytes;
  rows.push({ id: c.id, pred, meas, err, metric: c.measured.metric, wrongNoFit, inBand, width: band.highBytes / band.lowBytes - 1 });
  console.log(
    `${c.id.padEnd(21)} ${c.measured.metric.padEnd(9)} ${pred.toFixed(2).padStart(9)} ${meas.toFixed(2).padStart(10)}  ${(err >= 0 ? '+' : '') + (err * 100).toFixed(1)}%`.padEnd(
      64,
    ) + ` ${c.gpu?.name ?? '?'}${wrongNoFit ? '  << predicted not to fit' : ''}`,
  );
}
const abs = rows.map((r) => Math.abs(r.err)).sort((a, b) => a - b);
const q = (p: number) => abs[Math.min(abs.length - 1, Math.floor(p * (abs.length - 1) + 0.5))];
const within = (t: number) => abs.filter((e) => e <= t).length / abs.length;
for (const c of excluded) console.log(`left out: ${c.id}: ${c.excluded}`);
console.log(
  `\nsummary: ${rows.length} cases, median |error| ${(q(0.5) * 100).toFixed(1)}%, p90 |error| ${(q(0.9) * 100).toFixed(1)}%, ` +
    `within ±10% ${(within(0.1) * 100).toFixed(0)}%, within ±20% ${(within(0.2) * 100).toFixed(0)}%, ` +
    `wrong "does not fit" verdicts ${rows.filter((r) => r.wrongNoFit).length}, inside the band ${((rows.filter((r) => r.inBand).length / rows.length) * 100).toFixed(0)}% ` +
    `(median width ${(([...rows].map((r) => r.width).sort((a, b) => a - b)[rows.length >> 1] ?? 0) * 100).toFixed(0)}%)`,
);

// ---- group R: preference / RL runs (bench/data/calibration-rl.json), reported apart -----------------------
interface RlCase {
  id: string;
  source: string;
  model_id: string;
  setup: Partial<TrainingSetup> & { job?: Partial<JobSetup> & { kind: JobSetup['kind'] } };
  gpu: { name: string; mem_gib: number } | null;
  measured: { value: number; unit: 'GiB' | 'GB' | 'MiB'; metric: string };
  excluded?: string;
}
const rlFile = path.join(__dirname, '..', '..', 'bench', 'data', 'calibration-rl.json');
const rlCases: RlCase[] = JSON.parse(readFileSync(rlFile, 'utf8')).cases;
const rlErrors: number[] = [];
let rlWrongNoFit = 0;
console.log('\ngroup R (preference / RL):');
for (const c of rlCases) {
  if (c.excluded) {
    console.log(`left out: ${c.id}: ${c.excluded}`);
    continue;
  }
  const model = resolveModel(c.model_id).spec;
  if (!model) {
    console.log(`${c.id}: model ${c.model_id} not in the catalog`);
    continue;
  }
  const { job, ...rest } = c.setup;
  const setup = defaultSetup({ ...rest, job: job ? defaultJob(job.kind, job) : null, gpuTotalBytes: (c.gpu?.mem_gib ?? 80) * GiB });
  const est = estimateMemory(model, setup);
  const toGiB = { GiB: 1, GB: 1e9 / GiB, MiB: 1 / 1024 }[c.measured.unit];
  const meas = c.measured.value * toGiB;
  const pred = predictedOn(c.measured.metric, est) / GiB;
  const err = (pred - meas) / meas;
  rlErrors.push(Math.abs(err));
  const wrong = c.gpu ? est.requiredBytes / GiB > c.gpu.mem_gib - CUDA_CONTEXT_BYTES / GiB : false;
  if (wrong) rlWrongNoFit++;
  console.log(
    `${c.id.padEnd(21)} ${c.measured.metric.padEnd(9)} ${pred.toFixed(2).padStart(9)} ${meas.toFixed(2).padStart(10)}  ${(err >= 0 ? '+' : '') + (err * 100).toFixed(1)}%  (${est.phase}) ${c.gpu?.name ?? ''}${wrong ? '  << predicted not to fit' : ''}`,
  );
}
if (rlErrors.length) {
  const sorted = [...rlErrors].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1) + 0.5))];
  console.log(
    `group R summary: ${rlErrors.length} cases, median |error| ${(at(0.5) * 100).toFixed(1)}%, p90 |error| ${(at(0.9) * 100).toFixed(1)}%, wrong "does not fit" verdicts ${rlWrongNoFit} (weak evidence: settings partly inferred, see notes)`,
  );
}

// ---- held-out: published runs the engine was not built on (bench/data/heldout), end to end -----------------
// The first look (bench/data/first-look.json) is the same set scored once, before the engine was changed
// for it; "now" is today's engine. Both are printed per group and per kind of source.
void (async () => {
  const { nodeAnalysisDeps } = await import('../src/node-deps');
  const { heldoutCases, scoreCase, summariesOf, formatSummary, formatRow } = await import('./lib/heldout');
  const deps = await nodeAnalysisDeps(path.join(__dirname, '..'));
  const held = heldoutCases().filter((c) => !c.excluded);
  if (!held.length) return;
  console.log('\nheld-out (bench/data/heldout, end to end from the files):');
  console.log(`${'case'.padEnd(53)} ${'metric'.padEnd(9)} ${'pred'.padStart(8)} ${'meas'.padStart(8)} ${'error'.padStart(8)}`);
  const rows = held.map((c) => scoreCase(c, deps));
  for (const r of rows) console.log(formatRow(r));
  const now = summariesOf(rows);
  let first: Record<string, import('./lib/heldout').Summary> | undefined;
  let commit = '';
  try {
    const fl = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'bench', 'data', 'first-look.json'), 'utf8'));
    first = fl.memory.summaries;
    commit = String(fl.engineCommit).slice(0, 7);
  } catch {
    first = undefined;
  }
  console.log('');
  for (const key of Object.keys(now)) {
    if (first?.[key]) console.log(formatSummary(`first look (engine ${commit}) ${key}`, first[key]));
    console.log(formatSummary(`now ${key}`.padEnd(first ? 27 + commit.length : 0), now[key]));
  }

  // Later sets, each collected after the engine changes before it and never used to change it: scored now and
  // beside the first score recorded when the set arrived (`--record-fresh` records it once, for sets without one).
  const { LATER_SETS } = await import('./lib/heldout');
  for (const set of LATER_SETS) {
    const cases = heldoutCases(set.dir).filter((c) => !c.excluded);
    if (!cases.length) continue;
    console.log(`\n${set.label} held-out (bench/data/${path.basename(set.dir)}, ${set.note}; its first score in first-score.json):`);
    const rows = cases.map((c) => scoreCase(c, deps, set.dir));
    for (const r of rows) console.log(formatRow(r));
    const setNow = summariesOf(rows);
    let firstScore: Record<string, import('./lib/heldout').Summary> | undefined;
    try {
      firstScore = JSON.parse(readFileSync(path.join(set.dir, 'first-score.json'), 'utf8')).summaries;
    } catch {
      firstScore = undefined;
    }
    console.log('');
    for (const key of Object.keys(setNow)) {
      if (firstScore?.[key]) console.log(formatSummary(`${set.label}, first score ${key}`, firstScore[key]));
      console.log(formatSummary(`${set.label}, now ${key}`, setNow[key]));
    }
    if (process.argv.includes('--record-fresh') && !firstScore) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(path.join(set.dir, 'first-score.json'), JSON.stringify({ scored: new Date().toISOString(), summaries: setNow, rows }, null, 1) + '\n');
      console.log(`recorded the first score in bench/data/${path.basename(set.dir)}/first-score.json`);
    }
  }
})();
