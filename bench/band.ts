// npm run bench:band [-- --write]: the band table (src/analysis/memory/band.json) from every measured case
// of the project — calibration (bench/data/calibration.json), preference/RL (calibration-rl.json) and the
// held-out sets but the newest (bench/data/heldout, heldout-fresh) — as quantiles of measured / predicted per
// class of job, each class backing off to a coarser one when it has fewer than MIN_CASES cases. Prints the
// coverage of the band in-sample and leave-one-out (each case judged by a table built without it), the median
// width, and the coverage on the newest held-out set (heldout-third), which the table never saw.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BAND_LEVELS, bandAround, BandClass, BandTable, classKey } from '../src/analysis/memory/band';
import { estimateMemory } from '../src/analysis/memory/estimate';
import { defaultJob, defaultSetup, JobSetup, TrainingSetup } from '../src/analysis/memory/setup';
import { resolveModel } from '../src/analysis/models/catalog';
import { GiB } from '../src/analysis/units';
import { nodeAnalysisDeps } from '../src/node-deps';
import { calibrationCases, calibrationClass, modelOf, predictedOn, setupOf } from './lib/calibration';
import { heldoutCases, LATER_SETS, scoreCase } from './lib/heldout';
import { readFileSync } from 'node:fs';

// a class's parent keeps this many cases' worth of weight (how fast a class with few cases leaves its parent)
const PRIOR_WEIGHT = 8;
// the band aims at the central 80% of measured / predicted (the target coverage)
const COVERAGE = 0.8;
const Z = 1.2816; // the normal quantile of (1 + 0.8) / 2

interface Point {
  id: string;
  source: string;
  cls: BandClass;
  /** measured / predicted */
  ratio: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function build(points: Point[]): BandTable {
  const classes: BandTable['classes'] = {};
  for (const level of BAND_LEVELS) {
    const groups = new Map<string, number[]>();
    for (const p of points) {
      const k = classKey(p.cls, level);
      groups.set(k, [...(groups.get(k) ?? []), Math.log(p.ratio)]);
    }
    for (const [k, ls] of groups) {
      // robust centre and spread (median, 1.4826 × median absolute deviation): a few cases the engine reads
      // wrongly (a length it missed) must not set the band of every job of their class
      const centre = median(ls);
      const sd = ls.length > 1 ? 1.4826 * median(ls.map((x) => Math.abs(x - centre))) : 0;
      classes[k] = { n: ls.length, meanLog: +centre.toFixed(5), sdLog: +sd.toFixed(5) };
    }
  }
  return {
    description: `Median and robust spread (1.4826 × MAD) of ln(measured / predicted) peak per class of job, from ${points.length} measured cases (bench/data: calibration, preference/RL, held-out); z is the normal quantile of the coverage widened until leave-one-out coverage reaches it; written by npm run bench:band -- --write.`,
    priorWeight: PRIOR_WEIGHT,
    coverage: COVERAGE,
    z: Z,
    generated: new Date().toISOString().slice(0, 10),
    classes,
  };
}

function calibrationPoints(): Point[] {
  const out: Point[] = [];
  for (const c of calibrationCases().filter((x) => !x.excluded)) {
    const e = estimateMemory(modelOf(c), setupOf(c));
    const meas = c.measured.value * (c.measured.unit === 'GB' ? 1e9 : GiB);
    out.push({ id: c.id, source: `calibration ${c.group}`, cls: calibrationClass(c), ratio: meas / predictedOn(c.measured.metric, e) });
  }
  return out;
}

function rlPoints(): Point[] {
  const out: Point[] = [];
  const rl = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'bench', 'data', 'calibration-rl.json'), 'utf8')).cases as {
    id: string;
    model_id: string;
    setup: Partial<TrainingSetup> & { job?: Partial<JobSetup> & { kind: JobSetup['kind'] } };
    gpu: { mem_gib: number } | null;
    measured: { value: number; unit: 'GiB' | 'GB' | 'MiB'; metric: string };
    excluded?: string;
  }[];
  for (const c of rl.filter((x) => !x.excluded)) {
    const m = resolveModel(c.model_id).spec;
    if (!m) continue;
    const { job, ...rest } = c.setup;
    const s = defaultSetup({ ...rest, job: job ? defaultJob(job.kind, job) : null, gpuTotalBytes: (c.gpu?.mem_gib ?? 80) * GiB });
    const e = estimateMemory(m, s);
    const meas = c.measured.value * { GiB, GB: 1e9, MiB: 1024 ** 2 }[c.measured.unit];
    const kind = s.job?.kind;
    out.push({
      id: c.id,
      source: 'calibration R',
      cls: {
        method: s.quantization !== 'none' ? 'qlora' : s.method === 'full' ? 'full' : 'lora',
        sharding: 'single',
        stack: 'hf',
        job: kind === 'grpo' || kind === 'rloo' || kind === 'ppo' ? 'rl' : 'preference',
        lengths: 'cap',
      },
      ratio: meas / predictedOn(c.measured.metric, e),
    });
  }
  return out;
}

function judge(p: Point, t: BandTable): { inside: boolean; width: number; key: string } {
  const b = bandAround(1, p.cls, t);
  return { inside: p.ratio >= b.lowBytes && p.ratio <= b.highBytes, width: b.highBytes / b.lowBytes - 1, key: b.basis };
}

async function main() {
  const deps = await nodeAnalysisDeps(path.join(__dirname, '..'));
  const pointsOf = (dir: string | undefined, label: string): Point[] => {
    const out: Point[] = [];
    for (const c of heldoutCases(dir).filter((x) => !x.excluded)) {
      const r = scoreCase(c, deps, dir);
      if (r.predicted && r.measured && r.bandClass)
        out.push({ id: c.id, source: `${label} ${c.sourceKind}`, cls: r.bandClass, ratio: r.measured / r.predicted });
    }
    return out;
  };
  // fitted on the calibration, the preference/RL cases and every held-out set but the newest, which judges it
  const [newest, ...older] = [...LATER_SETS].reverse();
  const held = [...pointsOf(undefined, 'held-out'), ...older.flatMap((x) => pointsOf(x.dir, `held-out ${x.label}`))];
  const unseen = pointsOf(newest.dir, `held-out ${newest.label}`);
  const points = [...calibrationPoints(), ...rlPoints(), ...held];
  const table = build(points);
  // The robust spread (MAD) is narrower than the tails of real errors: widen z until each case, judged by a
  // table built without it, falls inside its band as often as the coverage aims at (one scale for all classes).
  const loo = points.map((p) => build(points.filter((x) => x !== p)));
  for (let k = 1; k <= 4; k += 0.05) {
    const covered = points.filter((p, i) => judge(p, { ...loo[i], z: Z * k }).inside).length / points.length;
    if (covered >= COVERAGE) {
      table.z = +(Z * k).toFixed(4);
      console.log(`z = ${table.z} (${k.toFixed(2)} × the normal quantile ${Z}): leave-one-out coverage ${(covered * 100).toFixed(1)}%\n`);
      break;
    }
  }
  for (const t of loo) t.z = table.z;
  const report = (label: string, pts: Point[], tableFor: (p: Point) => BandTable) => {
    const js = pts.map((p) => judge(p, tableFor(p)));
    const inside = js.filter((j) => j.inside).length;
    const widths = js.map((j) => j.width).sort((a, b) => a - b);
    console.log(
      `${label}: ${pts.length} cases, measurement inside the band ${((inside / Math.max(1, pts.length)) * 100).toFixed(1)}%, median width ${((widths[Math.floor(widths.length / 2)] ?? 0) * 100).toFixed(1)}%`,
    );
  };
  console.log('classes (measured / predicted: geometric mean, and the band of the class alone):');
  for (const [k, q] of Object.entries(table.classes).sort())
    if (q.n >= 5)
      console.log(
        `  ${k.padEnd(70)} n=${String(q.n).padStart(3)}  ${Math.exp(q.meanLog).toFixed(2)}  ${Math.exp(q.meanLog - table.z * q.sdLog).toFixed(2)} – ${Math.exp(q.meanLog + table.z * q.sdLog).toFixed(2)}`,
      );
  console.log('');
  for (const [label, pts] of [
    ['all', points],
    ['calibration', points.filter((p) => p.source.startsWith('calibration'))],
    ['held-out', held],
  ] as const) {
    report(`${label} in-sample`, pts, () => table);
    report(`${label} leave-one-out`, pts, (p) => loo[points.indexOf(p)]);
  }
  if (unseen.length) report(`${newest.label} set (bench/data/${path.basename(newest.dir)}, not used to fit)`, unseen, () => table);
  if (process.argv.includes('--write')) {
    const out = path.join(__dirname, '..', '..', 'src', 'analysis', 'memory', 'band.json');
    writeFileSync(out, JSON.stringify(table, null, 1) + '\n');
    console.log(`\nwrote ${out}`);
  }
}

void main();
