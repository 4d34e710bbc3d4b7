// The estimate anchored on a measurement (src/analysis/measure/anchor.ts), checked against hand
// calculations: anchored = measured reserved peak + NCCL buffers + (engine now − engine for the measured
// settings). The engine's two estimates are computed here on set-ups built by hand (not through the
// module's own substitution), so a wrong substitution, a wrong sign or a forgotten term fails.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findGpu, gpuCatalog, usableBytes } from '../../src/analysis/hardware/gpus';
import { ageWords, matchMeasurement, measuredLensTitle, measuredPlanOf, measuredRows, pickRecord } from '../../src/analysis/measure/anchor';
import { MeasurementRecord, MeasurementRecordSchema } from '../../src/analysis/measure/record';
import { estimateMemory } from '../../src/analysis/memory/estimate';
import { setupFromPlan } from '../../src/analysis/plan/plan';
import { AnalysisDeps, analyzeText, Report, reportToJson } from '../../src/analysis/report';
import { GiB } from '../../src/analysis/units';
import { measurementFolders, measurementRecordsFor } from '../../src/measure/lookup';
import { withMeasurement } from '../../src/cli/check';
import { entryFromReport } from '../../src/cli/entry';
import { loadDeps, repoRoot, settings } from './helpers';

const catalog = gpuCatalog();
const H100 = findGpu('h100-sxm-80gb')!;

const axolotl = (over: Record<string, string | number | boolean> = {}) =>
  Object.entries({
    base_model: 'meta-llama/Llama-3.1-8B',
    adapter: 'lora',
    lora_r: 16,
    lora_target_linear: true,
    micro_batch_size: 2,
    gradient_accumulation_steps: 4,
    sequence_len: 2048,
    bf16: true,
    gradient_checkpointing: true,
    ...over,
  })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n') + '\n';

const baseRecord: MeasurementRecord = MeasurementRecordSchema.parse(
  JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'measure', 'record.json'), 'utf8')),
);

/** A record of `report`'s file as it was (its plan), measured at `reservedGiB` on `count`× `gpuName`. */
function recordOf(
  report: Report,
  o: {
    reservedGiB: number;
    allocatedGiB?: number;
    gpuName?: string;
    totalGiB?: number;
    count?: number;
    at?: string;
    status?: MeasurementRecord['status'];
    steps?: number;
  },
): MeasurementRecord {
  const j = reportToJson(report);
  const reserved = o.reservedGiB * GiB;
  return {
    ...baseRecord,
    measuredAt: o.at ?? '2026-12-01T10:00:00.000Z',
    file: 'cfg.yaml',
    status: o.status ?? 'complete',
    stepsCompleted: o.steps ?? 3,
    gpu: { name: o.gpuName ?? 'NVIDIA H100 80GB HBM3', count: o.count ?? 1, totalBytes: (o.totalGiB ?? 79.1) * GiB, catalogId: null },
    peak:
      o.status === 'oom'
        ? null
        : {
            allocatedBytes: (o.allocatedGiB ?? o.reservedGiB - 2) * GiB,
            reservedBytes: reserved,
            deviceUsedBytes: reserved + 0.5 * GiB,
            phase: 'optimizer',
            rank: 0,
          },
    oom: o.status === 'oom' ? { message: 'CUDA out of memory.', step: 2, phase: 'forward', rank: 0 } : null,
    model: { ref: 'meta-llama/Llama-3.1-8B', id: 'meta-llama/Llama-3.1-8B', catalogId: 'meta-llama/Llama-3.1-8B', parameters: null, arch: null },
    plan: Object.fromEntries(Object.entries(j.plan!).map(([k, v]) => [k, { value: v.value, origin: v.origin }])),
  };
}

describe('measurements: the estimate anchored on a measurement', () => {
  let deps: AnalysisDeps;
  const analyze = (text: string, over = {}) => analyzeText(text, 'cfg.yaml', settings(over), deps);
  before(async () => {
    deps = await loadDeps();
  });

  it('with nothing changed, the anchored peak is the measured reserved peak (1 GPU: no NCCL buffers)', () => {
    const report = analyze(axolotl());
    const m = matchMeasurement(report, [recordOf(report, { reservedGiB: 41.2 })], catalog)!;
    assert.ok(m.anchoring, m.notAnchoredBecause ?? '');
    // 41.2 GiB + 0 (no NCCL on one GPU) + (P_now − P_measured = 0: the same settings) = 41.2 GiB
    assert.equal(m.anchoring.changeBytes, 0);
    assert.equal(m.anchoring.commBytes, 0);
    assert.equal(m.anchoring.anchoredBytes, 41.2 * GiB);
    assert.deepEqual(m.changes, []);
    // 41.2 GiB against the H100's usable memory with 10% headroom: fits below 0.9 × usable
    assert.ok(41.2 * GiB < 0.9 * usableBytes(H100));
    assert.equal(m.verdict, 'fits');
    assert.equal(m.words, 'anchored on the measurement of 2026-12-01: measured 41.2 GiB, settings unchanged');
  });

  it('after an edit: measured + (engine for the new settings − engine for the measured settings), both estimated now', () => {
    const before = analyze(axolotl({ micro_batch_size: 2 }));
    const record = recordOf(before, { reservedGiB: 41.2 });
    const after = analyze(axolotl({ micro_batch_size: 4 }));
    const m = matchMeasurement(after, [record], catalog)!;
    assert.deepEqual(
      m.changes.map((c) => [c.field, c.measured, c.now]),
      [['microBatch', 2, 4]],
    );
    // by hand: the set-up of now, and the same set-up with the measured micro-batch
    const gpuTotal = H100.memoryGiB * GiB;
    const now = setupFromPlan(after.plan!, gpuTotal);
    const pNow = estimateMemory(after.model!.spec!, now).requiredBytes;
    const pMeasured = estimateMemory(after.model!.spec!, { ...now, microBatch: 2 }).requiredBytes;
    assert.ok(pNow > pMeasured, 'a larger micro-batch needs more memory');
    const a = m.anchoring!;
    assert.equal(a.predictedNowBytes, pNow);
    assert.equal(a.predictedMeasuredBytes, pMeasured);
    // anchored = 41.2 GiB + 0 + (P(mb=4) − P(mb=2))
    assert.equal(a.changeBytes, pNow - pMeasured);
    assert.equal(a.anchoredBytes, 41.2 * GiB + (pNow - pMeasured));
    // and it is not the plain prediction: the measurement moves it by (41.2 GiB − P(mb=2))
    assert.ok(Math.abs(a.anchoredBytes - pNow - (41.2 * GiB - pMeasured)) < 1);
    const change = (pNow - pMeasured) / GiB;
    assert.equal(
      m.words,
      `anchored on the measurement of 2026-12-01: measured 41.2 GiB + predicted change +${change.toFixed(1)} GiB (micro-batch 2→4) = ${(41.2 + change).toFixed(1)} GiB`,
    );
  });

  it('a change that lowers the estimate lowers the anchored peak by the same bytes (sequence 2048→1024, checkpointing unchanged)', () => {
    const before = analyze(axolotl());
    const after = analyze(axolotl({ sequence_len: 1024 }));
    const m = matchMeasurement(after, [recordOf(before, { reservedGiB: 30 })], catalog)!;
    const now = setupFromPlan(after.plan!, H100.memoryGiB * GiB);
    const pNow = estimateMemory(after.model!.spec!, now).requiredBytes;
    const pMeasured = estimateMemory(after.model!.spec!, { ...now, seqLen: 2048 }).requiredBytes;
    // 30 GiB + (P(1024) − P(2048)) < 30 GiB
    assert.equal(m.anchoring!.anchoredBytes, 30 * GiB + (pNow - pMeasured));
    assert.ok(m.anchoring!.anchoredBytes < 30 * GiB);
    assert.match(m.words, /predicted change −[\d.]+ GiB \(sequence length 2048→1024\)/);
  });

  it('on several GPUs the NCCL buffers the probe cannot see are added: measured + NCCL, settings unchanged', () => {
    const report = analyze(axolotl(), { gpuCount: 2 });
    assert.equal(report.target.count, 2);
    const m = matchMeasurement(report, [recordOf(report, { reservedGiB: 20, count: 2 })], catalog)!;
    const e = estimateMemory(report.model!.spec!, setupFromPlan(report.plan!, H100.memoryGiB * GiB));
    const nccl = e.requiredBytes - e.peakReservedBytes;
    assert.ok(nccl > 0, 'the engine has NCCL buffers on 2 GPUs');
    // 20 GiB + NCCL + 0
    assert.equal(m.anchoring!.commBytes, nccl);
    assert.equal(m.anchoring!.anchoredBytes, 20 * GiB + nccl);
  });

  it('the anchored verdict compares the anchored peak with the usable memory and the headroom', () => {
    const report = analyze(axolotl());
    const usable = usableBytes(H100);
    const at = (gib: number) => matchMeasurement(report, [recordOf(report, { reservedGiB: gib })], catalog)!.verdict;
    assert.equal(at((0.9 * usable) / GiB - 0.01), 'fits');
    assert.equal(at((0.9 * usable) / GiB + 0.01), 'tight');
    assert.equal(at(usable / GiB + 0.01), 'oom');
  });

  it('is not anchored, and says why, when the measurement ran on another GPU type, another count, or another model', () => {
    const report = analyze(axolotl());
    const a100 = matchMeasurement(report, [recordOf(report, { reservedGiB: 41.2, gpuName: 'NVIDIA A100-SXM4-80GB', totalGiB: 79.15 })], catalog)!;
    assert.equal(a100.anchoring, null);
    assert.equal(a100.verdict, null);
    assert.equal(a100.notAnchoredBecause, 'measured on 1× A100 SXM 80GB, the target is 1× H100 SXM 80GB');
    const two = matchMeasurement(report, [recordOf(report, { reservedGiB: 41.2, count: 2 })], catalog)!;
    assert.equal(two.notAnchoredBecause, 'measured on 2× H100 SXM 80GB, the target is 1× H100 SXM 80GB');
    const other = analyze(axolotl({ base_model: 'Qwen/Qwen2.5-7B' }));
    const changed = matchMeasurement(other, [recordOf(report, { reservedGiB: 41.2 })], catalog)!;
    assert.match(changed.notAnchoredBecause!, /^the model changed since \(meta-llama\/Llama-3\.1-8B → Qwen\/Qwen2\.5-7B\)$/);
    const unknownGpu = matchMeasurement(report, [recordOf(report, { reservedGiB: 41.2, gpuName: 'NVIDIA GH200 480GB', totalGiB: 94.5 })], catalog)!;
    assert.match(unknownGpu.notAnchoredBecause!, /not in the GPU catalog; add it to vramLens\.customGpus/);
  });

  it('an out-of-memory run with the same settings on the target says "does not fit"; with other settings it says nothing', () => {
    const report = analyze(axolotl());
    const same = matchMeasurement(report, [recordOf(report, { reservedGiB: 0, status: 'oom' })], catalog)!;
    assert.equal(same.verdict, 'oom');
    assert.equal(same.anchoring, null);
    assert.match(same.words, /ran out of memory with these settings \(step 2, forward \+ loss\) on 1× H100 SXM 80GB/);
    const smaller = analyze(axolotl({ micro_batch_size: 1 }));
    const changed = matchMeasurement(smaller, [recordOf(report, { reservedGiB: 0, status: 'oom' })], catalog)!;
    assert.equal(changed.verdict, null);
    assert.match(changed.notAnchoredBecause!, /ran out of memory \(step 2, forward \+ loss\) with other settings \(micro-batch 2→1\)/);
  });

  it('matching: the newest record on the target GPU wins over a newer one elsewhere; failed and empty runs are skipped', () => {
    const report = analyze(axolotl());
    const older = recordOf(report, { reservedGiB: 40, at: '2026-11-01T00:00:00Z' });
    const onH100 = recordOf(report, { reservedGiB: 41, at: '2026-11-02T00:00:00Z' });
    const onA100 = recordOf(report, { reservedGiB: 42, at: '2026-11-03T00:00:00Z', gpuName: 'NVIDIA A100-SXM4-80GB', totalGiB: 79.15 });
    const failed = { ...recordOf(report, { reservedGiB: 43, at: '2026-11-04T00:00:00Z' }), status: 'failed' as const };
    assert.equal(pickRecord(report, [older, onH100, onA100, failed], catalog), onH100);
    assert.equal(pickRecord(report, [onA100, failed], catalog), onA100, 'none on the target: the newest informative one (then not anchored)');
    assert.equal(pickRecord(report, [failed], catalog), null);
    assert.equal(matchMeasurement(report, [{ ...failed, status: 'no-data', peak: null }], catalog), null);
  });

  it('rebuilds the measured settings from the current plan: changed values substituted, fields the record lacks removed', () => {
    const report = analyze(axolotl());
    const p = measuredPlanOf(report.plan!, [
      { field: 'microBatch', measured: 8 },
      { field: 'jobKind', measured: undefined },
    ]);
    assert.equal(p.microBatch.value, 8);
    assert.equal(p.microBatch.origin, report.plan!.microBatch.origin);
    assert.equal('jobKind' in p, false);
    assert.equal(report.plan!.microBatch.value, 2, 'the report is not changed');
  });

  it('the CodeLens line: measured, where, how many steps, how long ago, predicted; then the change and the anchored estimate', () => {
    const before = analyze(axolotl());
    const record = recordOf(before, { reservedGiB: 41.2, at: '2026-12-01T10:00:00.000Z' });
    const now = new Date('2026-12-03T11:00:00.000Z');
    const same = matchMeasurement(before, [record], catalog)!;
    const predicted = same.predictedReservedForMeasured! / GiB;
    assert.equal(measuredLensTitle(same, now), `measured 41.2 GiB on 1× H100 SXM 80GB (3 steps, 2 days ago) · predicted ${predicted.toFixed(1)}`);
    const after = analyze(axolotl({ micro_batch_size: 4, gradient_checkpointing: false }));
    const changed = matchMeasurement(after, [record], catalog)!;
    const anchored = changed.anchoring!.anchoredBytes / GiB;
    assert.equal(
      measuredLensTitle(changed, now),
      `measured 41.2 GiB on 1× H100 SXM 80GB (3 steps, 2 days ago) · predicted ${predicted.toFixed(1)} (settings changed since: micro-batch 2→4, checkpointing on→off; anchored estimate ${anchored.toFixed(1)} GiB)`,
    );
    const a100 = matchMeasurement(before, [recordOf(before, { reservedGiB: 41.2, gpuName: 'NVIDIA A100-SXM4-80GB', totalGiB: 79.15 })], catalog)!;
    assert.match(
      measuredLensTitle(a100, now),
      /^measured 41\.2 GiB on 1× A100 SXM 80GB \(3 steps, 2 days ago\) · predicted [\d.]+ · not used: measured on 1× A100 SXM 80GB, the target is 1× H100 SXM 80GB$/,
    );
    const oom = matchMeasurement(before, [recordOf(before, { reservedGiB: 0, status: 'oom' })], catalog)!;
    assert.match(measuredLensTitle(oom, now), /^measured: out of memory on 1× H100 SXM 80GB \(step 2, forward \+ loss, 2 days ago\) · predicted [\d.]+$/);
  });

  it('the hover and panel rows put measured next to predicted, with the difference in percent', () => {
    const report = analyze(axolotl());
    const m = matchMeasurement(report, [recordOf(report, { reservedGiB: 41.2, allocatedGiB: 39 })], catalog)!;
    const rows = Object.fromEntries(measuredRows(m).map((r) => [r.label, r.value]));
    assert.equal(rows['measured reserved peak'], '41.2 GiB (rank 0)');
    assert.equal(rows['measured allocated peak'], '39.0 GiB (optimizer step)');
    const p = m.predictedReservedForMeasured!;
    const pct = ((p - 41.2 * GiB) / (41.2 * GiB)) * 100;
    assert.equal(rows['predicted'], `${(p / GiB).toFixed(1)} GiB reserved (${pct >= 0 ? '+' : ''}${pct.toFixed(1)}% vs measured)`);
    assert.equal(rows['anchored estimate'], '41.2 GiB (fits)');
  });

  it('says how long ago in words', () => {
    const at = '2026-12-01T10:00:00.000Z';
    const plus = (ms: number) => new Date(Date.parse(at) + ms);
    assert.equal(ageWords(at, plus(20_000)), 'just now');
    assert.equal(ageWords(at, plus(5 * 60_000)), '5 minutes ago');
    assert.equal(ageWords(at, plus(3 * 3600_000)), '3 hours ago');
    assert.equal(ageWords(at, plus(50 * 3600_000)), '2 days ago');
  });
});

describe('measurements: finding the records of a file', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-lookup-'));
    fs.mkdirSync(path.join(dir, 'sub', '.vram-lens'), { recursive: true });
    fs.mkdirSync(path.join(dir, '.vram-lens'), { recursive: true });
    const rec = (file: string, at: string) => JSON.stringify({ ...baseRecord, file, measuredAt: at });
    // measured from the root (file relative to it) and from sub/ (relative to sub/), plus another file
    fs.writeFileSync(
      path.join(dir, '.vram-lens', 'measurements.jsonl'),
      [rec('sub/train.py', '2026-11-02T00:00:00Z'), rec('other.py', '2026-11-03T00:00:00Z'), 'not json'].join('\n') + '\n',
    );
    fs.writeFileSync(path.join(dir, 'sub', '.vram-lens', 'measurements.jsonl'), rec('train.py', '2026-11-01T00:00:00Z') + '\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads every measurements.jsonl from the file folder up to the workspace, keeping the records of that file, oldest first', () => {
    const file = path.join(dir, 'sub', 'train.py');
    assert.deepEqual(measurementFolders(file, dir), [path.join(dir, 'sub'), dir]);
    const found = measurementRecordsFor(file, dir);
    assert.deepEqual(
      found.map((r) => [r.file, r.measuredAt]),
      [
        ['train.py', '2026-11-01T00:00:00Z'],
        ['sub/train.py', '2026-11-02T00:00:00Z'],
      ],
    );
    assert.deepEqual(measurementRecordsFor(path.join(dir, 'sub', 'x.py'), dir), []);
  });

  it('sees a record appended after the first read (the cache follows the file)', () => {
    const file = path.join(dir, 'other.py');
    assert.equal(measurementRecordsFor(file, dir).length, 1);
    fs.appendFileSync(
      path.join(dir, '.vram-lens', 'measurements.jsonl'),
      JSON.stringify({ ...baseRecord, file: 'other.py', measuredAt: '2026-11-05T00:00:00Z' }) + '\n',
    );
    assert.equal(measurementRecordsFor(file, dir).length, 2);
  });
});

describe('measurements: vram-lens check judges a measured file by its anchored estimate', () => {
  let deps: AnalysisDeps;
  before(async () => {
    deps = await loadDeps();
  });

  it('PASS becomes FAIL when the measurement plus the predicted change exceeds the card, and the line says so', () => {
    const report = analyzeText(axolotl(), 'cfg.yaml', settings(), deps);
    const entry = entryFromReport(report, axolotl());
    assert.equal(entry.status, 'pass');
    const m = matchMeasurement(report, [recordOf(report, { reservedGiB: 85 })], catalog)!;
    const judged = withMeasurement(entry, report, m);
    assert.equal(judged.status, 'fail');
    assert.match(
      judged.summary,
      /^≈ 85\.0 GiB\/GPU of [\d.]+ GiB usable on 1× H100 SXM 80GB \(meta-llama\/Llama-3\.1-8B\), anchored on the measurement of 2026-12-01: measured 85\.0 GiB, settings unchanged$/,
    );
    assert.deepEqual(
      judged.findings.filter((f) => f.code === 'vramLens.oom').map((f) => f.severity),
      ['error'],
    );
  });

  it('a measurement that cannot be used leaves the verdict to the prediction and names the reason', () => {
    const report = analyzeText(axolotl(), 'cfg.yaml', settings(), deps);
    const entry = entryFromReport(report, axolotl());
    const m = matchMeasurement(report, [recordOf(report, { reservedGiB: 85, gpuName: 'NVIDIA A100-SXM4-80GB', totalGiB: 79.15 })], catalog)!;
    const judged = withMeasurement(entry, report, m);
    assert.equal(judged.status, entry.status);
    assert.equal(
      judged.summary,
      `${entry.summary} (prediction only: the measurement of 2026-12-01 is not used: measured on 1× A100 SXM 80GB, the target is 1× H100 SXM 80GB)`,
    );
  });
});
