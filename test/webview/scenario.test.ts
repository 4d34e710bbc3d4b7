// The page's what-if model without a browser (src/webview/scenario.ts, hardware.ts, export.ts): at the
// file's values it reproduces the host's estimate; each control changes the engine input it names; and
// what the page shows for a what-if is what the file says once "Apply to file" has written it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initPythonParser } from '../../src/analysis/extract/parser';
import { usableBytes } from '../../src/analysis/hardware/gpus';
import { planApply, WhatIfChange } from '../../src/analysis/remedies/apply';
import { applyEdits } from '../../src/analysis/remedies/edits';
import { AnalysisDeps, analyzeText, DEFAULT_SETTINGS } from '../../src/analysis/report';
import { panelDataOf } from '../../src/webview/data';
import { suggestHardware } from '../../src/webview/hardware';
import { toJson, toMarkdown } from '../../src/webview/export';
import { PanelData, PanelDataSchema } from '../../src/webview/protocol';
import { changesOf, Controls, evaluate, fileControls, setupOf } from '../../src/webview/scenario';
import { repoRoot } from './harness';

const files = [
  'test/fixtures/workspace/full_ft_oom.py',
  'test/fixtures/workspace/qlora_fits.py',
  'test/fixtures/python/hf_trainer_full.py',
  'test/fixtures/python/trl_sft_qlora.py',
  'test/fixtures/python/unsloth_lora.py',
  'test/fixtures/python/constants_and_kwargs.py',
  'examples/llama-3.1-70b-qlora.py',
  'examples/qwen2.5-7b-lora.py',
  'test/fixtures/workspace/axolotl_full_oom.yml',
];

describe('what-if model of the page', () => {
  let deps: AnalysisDeps;
  const analyze = (text: string, name = 'train.py') => analyzeText(text, name, DEFAULT_SETTINGS, deps);
  const read = (f: string) => fs.readFileSync(path.join(repoRoot, f), 'utf8');
  const dataOf = (text: string, name = 'train.py') => panelDataOf(analyze(text, name), `file:///${name}`);
  before(async () => {
    deps = { pythonParser: await initPythonParser(path.join(repoRoot, 'dist')) };
  });

  it("at the file's values: the same engine input and the host's number, no changes, and the data validates", () => {
    for (const f of files) {
      const d = dataOf(read(f), path.basename(f));
      assert.ok(d.setup && d.spec, `${f} has an estimate`);
      assert.ok(PanelDataSchema.safeParse(JSON.parse(JSON.stringify(d))).success, `${f}: the report message survives postMessage and validates`);
      const c = fileControls(d)!;
      assert.deepEqual(setupOf(d, c), d.setup, f);
      assert.equal(evaluate(d, c).estimate.requiredBytes, d.target.requiredBytes, f);
      assert.deepEqual(changesOf(d, c), [], f);
    }
  });

  it('the named components add up to what the verdict compares; paged optimizer state is kept apart', () => {
    for (const f of files) {
      const d = dataOf(read(f), path.basename(f));
      const e = evaluate(d, fileControls(d)!);
      const counted = e.groups.reduce((t, g) => t + g.bytes, 0);
      assert.ok(Math.abs(counted - e.estimate.requiredBytes) < 1, `${f}: ${counted} vs ${e.estimate.requiredBytes}`);
      const paged = e.estimate.components.filter((c) => c.pool === 'managed').reduce((t, c) => t + c.bytes, 0);
      assert.equal(e.groups.find((g) => g.id === 'optimizer')!.pagedBytes, paged);
    }
  });

  it('each control changes the engine input it names, and nothing else', () => {
    const d = dataOf(read('test/fixtures/workspace/full_ft_oom.py'));
    const file = fileControls(d)!;
    const cases: [Partial<Controls>, (s: ReturnType<typeof setupOf>) => unknown, unknown][] = [
      [{ microBatch: 3 }, (s) => s.microBatch, 3],
      [{ seqLen: 512 }, (s) => s.seqLen, 512],
      [{ gradientCheckpointing: true }, (s) => s.gradientCheckpointing, true],
      [{ optimizer: 'adafactor' }, (s) => s.optimizer, 'adafactor'],
      [{ attention: 'eager' }, (s) => s.attention, 'eager'],
      [{ gpus: 4 }, (s) => [s.gpus, s.sharding], [4, 'ddp']],
      [{ gpus: 4, sharding: 'fsdp' }, (s) => [s.gpus, s.sharding], [4, 'fsdp']],
    ];
    for (const [change, get, want] of cases) {
      const s = setupOf(d, { ...file, ...change });
      assert.deepEqual(get(s), want, JSON.stringify(change));
      const others = {
        ...s,
        microBatch: d.setup!.microBatch,
        seqLen: d.setup!.seqLen,
        gradientCheckpointing: d.setup!.gradientCheckpointing,
        optimizer: d.setup!.optimizer,
        attention: d.setup!.attention,
        gpus: d.setup!.gpus,
        sharding: d.setup!.sharding,
      };
      assert.deepEqual(others, d.setup, `${JSON.stringify(change)} changes nothing else`);
    }
    // LoRA rank and targets mean nothing for a full fine-tune, so they are not changes
    assert.deepEqual(changesOf(d, { ...file, loraR: 64 }), []);
    assert.deepEqual(changesOf(d, { ...file, microBatch: 2, gpu: 'a100-sxm-80gb' }), [
      { field: 'microBatch', value: 2 },
      { field: 'gpu', value: 'a100-sxm-80gb' },
    ]);
  });

  it('the GPU type changes the usable memory and the verdict, not the bytes', () => {
    const d = dataOf(read('test/fixtures/workspace/full_ft_oom.py'));
    const file = evaluate(d, fileControls(d)!);
    const b300 = evaluate(d, { ...fileControls(d)!, gpu: 'b300-288gb' });
    assert.equal(b300.estimate.requiredBytes, file.estimate.requiredBytes);
    assert.equal(b300.usableBytes, usableBytes(d.gpus.find((g) => g.id === 'b300-288gb')!));
    assert.equal(file.verdict, 'oom');
    assert.equal(b300.verdict, 'fits');
  });

  // What the page shows for a what-if must be what the file says after "Apply to file": apply the
  // changes with the host's module, analyse the edited file, compare the estimates.
  const roundTrips: [string, Partial<Controls>][] = [
    ['test/fixtures/workspace/full_ft_oom.py', { microBatch: 2, gradientCheckpointing: true, optimizer: 'adamw_8bit' }],
    ['test/fixtures/workspace/full_ft_oom.py', { method: 'lora', quantization: 'nf4', loraR: 16, loraTargets: 'all-linear' }],
    ['test/fixtures/workspace/full_ft_oom.py', { method: 'lora', loraR: 32, loraTargets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'], attention: 'eager' }],
    ['test/fixtures/workspace/qlora_fits.py', { quantization: 'int8', loraR: 64 }],
    ['test/fixtures/workspace/qlora_fits.py', { quantization: 'none', gradientCheckpointing: false, seqLen: 4096 }],
    ['test/fixtures/python/hf_trainer_full.py', { sharding: 'fsdp', offloadOptimizer: true, gpus: 4 }],
    ['test/fixtures/python/unsloth_lora.py', { loraR: 8, gradientCheckpointing: false, microBatch: 4, seqLen: 2048 }],
    ['test/fixtures/workspace/axolotl_full_oom.yml', { microBatch: 1, gradientCheckpointing: true, optimizer: 'adamw_8bit', seqLen: 2048 }],
  ];
  for (const [f, change] of roundTrips) {
    it(`${path.basename(f)} ${JSON.stringify(change)}: the page's what-if equals the applied file's estimate`, () => {
      const text = read(f);
      const name = path.basename(f);
      const r = analyze(text, name);
      const d = panelDataOf(r, `file:///${name}`);
      const controls = { ...fileControls(d)!, ...change };
      const changes: WhatIfChange[] = changesOf(d, controls);
      assert.equal(changes.length, Object.keys(change).length, 'every control is a change');
      const plan = planApply(r, text, changes);
      assert.deepEqual(plan.notApplied, []);
      // GPU counts the file does not state go to the vramLens.gpuCount setting
      const gpuCount = plan.settings.find((s) => s.key === 'gpuCount')?.value as number | undefined;
      const after = analyzeText(applyEdits(text, plan.edits), name, { ...DEFAULT_SETTINGS, gpuCount: gpuCount ?? 1 }, deps);
      assert.equal(after.hyperparams.syntaxErrors.length, 0);
      assert.equal(after.estimate!.requiredBytes, evaluate(d, controls).estimate.requiredBytes);
    });
  }

  it('suggests for each GPU type a count that fits with the headroom, cheapest per trained token first', () => {
    const d = dataOf(read('test/fixtures/workspace/full_ft_oom.py'));
    const s = setupOf(d, { ...fileControls(d)!, microBatch: 1, gradientCheckpointing: true });
    const rows = suggestHardware(d.spec!, s, d.gpus, 10);
    assert.equal(rows.length, d.gpus.length);
    const fitting = rows.filter((r) => r.fits);
    assert.ok(fitting.length > 5);
    for (const r of fitting) assert.ok(r.requiredBytes! <= r.usableBytes * 0.9, `${r.gpu.id} ×${r.count}`);
    for (const r of fitting) if (r.usdPerHour !== null) assert.equal(r.usdPerHour, r.gpu.priceUsdPerHour! * r.count!);
    // without a token count the rows are ordered by cost per trained token, which orders total cost the same way
    const perToken = fitting.map((r) => r.usdPerMillionTokens ?? Infinity);
    assert.deepEqual(
      perToken,
      [...perToken].sort((a, b) => a - b),
    );
    assert.ok(
      fitting.every((r) => r.hours === null && r.costUsd === null),
      'no time or cost without tokens',
    );
    assert.ok(
      rows.slice(fitting.length).every((r) => !r.fits && r.reason),
      'the others say why',
    );
  });

  it('with a token count: time and total cost per GPU type, cheapest run first, cost = hours × $/h', () => {
    const d = dataOf(read('test/fixtures/workspace/full_ft_oom.py'));
    const s = setupOf(d, { ...fileControls(d)!, microBatch: 1, gradientCheckpointing: true });
    const rows = suggestHardware(d.spec!, s, d.gpus, 10, { tokens: { tokens: 1e9, source: 'setting', how: 'vramLens.trainingTokens 1e9' }, stack: 'hf' });
    const priced = rows.filter((r) => r.fits && r.costUsd !== null);
    assert.ok(priced.length > 5);
    const costs = priced.map((r) => r.costUsd!);
    assert.deepEqual(
      costs,
      [...costs].sort((a, b) => a - b),
    );
    for (const r of priced) assert.ok(Math.abs(r.costUsd! - r.hours! * r.usdPerHour!) < 0.01 * r.costUsd!, `${r.gpu.id}: cost = hours × $/h`);
  });

  it('exports JSON with the CLI field names and Markdown with one table when nothing changed', () => {
    const d: PanelData = dataOf(read('test/fixtures/workspace/qlora_fits.py'));
    const file = evaluate(d, fileControls(d)!);
    const input = { data: d, file, scenario: file, changes: [], hardware: [] };
    const js = JSON.parse(toJson(input));
    assert.deepEqual(Object.keys(js).slice(0, 6), ['file', 'framework', 'model', 'perGpu', 'target', 'assumptions']);
    assert.deepEqual(Object.keys(js.perGpu), ['peakAllocatedBytes', 'peakReservedBytes', 'peakDeviceBytes', 'requiredBytes', 'phase', 'components']);
    assert.equal(js.target.fits, true);
    assert.equal(js.whatIf, null);
    const md = toMarkdown(input);
    assert.equal((md.match(/^\| Component /gm) ?? []).length, 1);
    assert.match(md, /Plus [\d.]+ GiB of paged optimizer state/);
  });
});
