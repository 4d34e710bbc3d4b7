// The bundled command line (dist/cli.js, built by esbuild.mjs) run as a user runs it: a child process,
// its stdout, stderr and exit code.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { findGpu } from '../../src/analysis/hardware/gpus';
import { GiB } from '../../src/analysis/units';
import { lineOf, readFixture, repoRoot } from './helpers';

const CLI = path.join(repoRoot, 'dist', 'cli.js');

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonReport {
  file: string;
  framework: string;
  isTraining: boolean;
  model: { id: string | null; ref: string | null; parameters: number | null } | null;
  perGpu: { peakAllocatedBytes: number; peakReservedBytes: number; requiredBytes: number; components: Record<string, number> } | null;
  target: { gpu: string; count: number; usableBytes: number; fits: boolean | null; verdict: string };
  diagnostics: { severity: string; message: string; line: number; column: number; code: string }[];
  assumptions: { field: string; value: unknown; reason: string }[];
}

function json(...args: string[]): { code: number | null; reports: JsonReport[]; stderr: string } {
  const r = cli('analyze', '--json', ...args);
  let reports: JsonReport[];
  try {
    reports = JSON.parse(r.stdout) as JsonReport[];
  } catch (e) {
    throw new Error(`stdout is not JSON (${(e as Error).message}):\n${r.stdout}\n${r.stderr}`, { cause: e });
  }
  return { code: r.code, reports, stderr: r.stderr };
}

const EXAMPLE = 'examples/llama-3.1-70b-qlora.py';
const FULL = 'test/fixtures/python/hf_trainer_full.py';
const QLORA = 'test/fixtures/python/trl_sft_qlora.py';

describe('vram-lens CLI (dist/cli.js)', () => {
  before(() => {
    assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (node esbuild.mjs)');
  });

  it('starts with a shebang so that the npm bin runs it with node', () => {
    assert.match(fs.readFileSync(CLI, 'utf8').slice(0, 30), /^#!\/usr\/bin\/env node/);
  });

  describe('--json', () => {
    it('the 70B QLoRA example: one object with every documented field; fits an 80 GB H100 (exit 0)', () => {
      const { code, reports, stderr } = json(EXAMPLE);
      assert.equal(code, 0, stderr);
      assert.ok(Array.isArray(reports));
      assert.equal(reports.length, 1);
      const r = reports[0];
      assert.equal(r.file, EXAMPLE);
      assert.equal(r.framework, 'trl');
      assert.equal(r.isTraining, true);
      assert.ok(r.model);
      assert.equal(r.model.id, 'meta-llama/Llama-3.1-70B');
      // Llama-3.1-70B: published 70,553,706,496 parameters (litgpt config; calibration cases params_total)
      assert.equal(r.model.parameters, 70_553_706_496);
      assert.ok(r.perGpu);
      assert.ok(r.perGpu.peakAllocatedBytes > 0);
      assert.ok(r.perGpu.peakReservedBytes >= r.perGpu.peakAllocatedBytes);
      // NF4 alone puts 70B of weights at >= 35 GB (0.5 B × ~68e9 linear params)
      assert.ok(r.perGpu.components.weights > 34e9, String(r.perGpu.components.weights));
      assert.equal(typeof r.perGpu.components.pagedOptimizerState, 'number');
      assert.equal(r.target.gpu, 'h100-sxm-80gb');
      assert.equal(r.target.count, 1);
      const h100 = findGpu('h100-sxm-80gb')!;
      assert.ok(r.target.usableBytes < h100.memoryGiB * GiB && r.target.usableBytes > (h100.memoryGiB - 2) * GiB);
      assert.equal(r.target.fits, true);
      assert.ok(Array.isArray(r.diagnostics));
      assert.deepEqual(
        r.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      for (const d of r.diagnostics) {
        assert.deepEqual(Object.keys(d).sort(), ['code', 'column', 'line', 'message', 'severity']);
      }
      assert.ok(r.assumptions.length > 0);
      for (const a of r.assumptions) {
        assert.equal(typeof a.field, 'string');
        assert.ok('value' in a);
        assert.ok(a.reason.length > 0);
      }
      // values the file sets are not assumptions
      const assumed = new Set(r.assumptions.map((a) => a.field));
      for (const read of ['microBatch', 'seqLen', 'optimizer', 'loraR', 'quantization']) assert.ok(!assumed.has(read), read);
      assert.ok(assumed.has('loraDtype'));
    });

    it('a full 8B fine-tune on a 16 GB T4: does not fit (exit 1), error diagnostic on a line the file sets', () => {
      const { code, reports } = json(FULL, '--gpu', 't4-16gb');
      assert.equal(code, 1);
      const r = reports[0];
      assert.equal(r.target.gpu, 't4-16gb');
      assert.equal(r.target.fits, false);
      assert.equal(r.target.verdict, 'oom');
      // full fine-tune: bf16 weights alone are 8,030,261,248 × 2 B, already above a T4's memory
      assert.equal(r.perGpu!.components.weights, 8_030_261_248 * 2);
      assert.ok(r.perGpu!.requiredBytes > r.target.usableBytes);
      const err = r.diagnostics.find((d) => d.severity === 'error');
      assert.ok(err, JSON.stringify(r.diagnostics));
      assert.equal(err.code, 'vramLens.oom');
      const text = readFixture('hf_trainer_full.py');
      // 1-based lines in the JSON; the error sits on one of the hyperparameters that drive the peak
      const candidates = ['optim=', 'per_device_train_batch_size=', 'torch_dtype=', 'model_id,', 'gradient_checkpointing='].map((k) => lineOf(text, k) + 1);
      assert.ok(candidates.includes(err.line), `error on line ${err.line}`);
    });

    it('the same job on an RTX 4090 24 GB does not fit either', () => {
      const { code, reports } = json(FULL, '--gpu', 'rtx-4090-24gb');
      assert.equal(code, 1);
      assert.equal(reports[0].target.fits, false);
    });

    it('QLoRA 7B fits the default GPU (exit 0); with a file that does not fit, the exit code is 1', () => {
      assert.equal(json(QLORA).code, 0);
      const both = json(QLORA, FULL, '--gpu', 'rtx-4090-24gb');
      assert.equal(both.code, 1);
      assert.deepEqual(
        both.reports.map((r) => r.target.fits),
        [true, false],
      );
    });

    it('--gpus 8 is the count of the target when the file does not say', () => {
      const { reports } = json(FULL, '--gpus', '8');
      assert.equal(reports[0].target.count, 8);
    });

    it('an inference script: not training, no verdict, exit 0', () => {
      const { code, reports } = json('test/fixtures/python/inference_only.py');
      assert.equal(code, 0);
      assert.equal(reports[0].isTraining, false);
      assert.equal(reports[0].perGpu, null);
      assert.equal(reports[0].target.fits, null);
    });

    it('a model that is not in the catalog: information diagnostic, no estimate, exit 2 (unusable input)', () => {
      const { code, reports } = json('test/fixtures/python/unknown_model.py');
      assert.equal(code, 2);
      const r = reports[0];
      assert.equal(r.perGpu, null);
      assert.equal(r.model?.id, null);
      assert.equal(r.model?.ref, 'acme/secret-model-13b');
      const d = r.diagnostics.find((x) => x.code === 'vramLens.unknownModel');
      assert.ok(d);
      assert.equal(d.severity, 'information');
      assert.equal(d.line, lineOf(readFixture('unknown_model.py'), 'acme/secret-model-13b') + 1);
    });
  });

  describe('text output', () => {
    it('names the model and prints a verdict line', () => {
      const r = cli('analyze', EXAMPLE);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^examples\/llama-3\.1-70b-qlora\.py$/m);
      assert.match(r.stdout, /model: meta-llama\/Llama-3\.1-70B-Instruct → meta-llama\/Llama-3\.1-70B/);
      assert.match(r.stdout, /^\s+verdict: FITS\b.*H100/m);
    });

    it('says DOES NOT FIT for an OOM, with the error diagnostic and its line', () => {
      const r = cli('analyze', FULL, '--gpu', 't4-16gb');
      assert.equal(r.code, 1);
      assert.match(r.stdout, /model: meta-llama\/Llama-3\.1-8B/);
      assert.match(r.stdout, /^\s+verdict: DOES NOT FIT\b/m);
      assert.match(r.stdout, /error: line \d+: Peak ≈ [\d.]+ GiB( \([\d.]+–[\d.]+\))?\/GPU > [\d.]+ GiB usable on 1× T4 16GB.*\[vramLens\.oom\]/);
    });
  });

  describe('unusable input: exit 2', () => {
    it('a missing file', () => {
      const r = cli('analyze', 'test/fixtures/python/does_not_exist.py');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /does_not_exist\.py: no such file/);
    });
    it('an unknown --gpu id', () => {
      const r = cli('analyze', EXAMPLE, '--gpu', 'gtx-9999-1gb');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /unknown GPU "gtx-9999-1gb"/);
      assert.equal(r.stdout, '');
    });
    it('no file', () => {
      const r = cli('analyze');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no file given/);
    });
    it('an unknown command or option', () => {
      assert.equal(cli('frobnicate').code, 2);
      assert.equal(cli('analyze', EXAMPLE, '--frobnicate').code, 2);
    });
    it('a missing file next to a good one still reports the good one', () => {
      const r = json(EXAMPLE, 'nope/missing.py');
      assert.equal(r.code, 2);
      assert.equal(r.reports.length, 1);
      assert.equal(r.reports[0].file, EXAMPLE);
    });
  });

  it('--list-gpus and --help exit 0', () => {
    const list = cli('analyze', '--list-gpus');
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^t4-16gb\s/m);
    assert.match(list.stdout, /^rtx-4090-24gb\s/m);
    assert.equal(cli('--help').code, 0);
  });
});

describe('reading input files (cli/input.ts)', () => {
  it('reads a notebook whose saved outputs make it larger than the script limit; a script that large is refused', async () => {
    const { readInput, MAX_FILE_BYTES } = await import('../../src/cli/input');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-input-'));
    const plot = 'iVBORw0KGgo'.repeat(Math.ceil((MAX_FILE_BYTES + 1024) / 11)); // a base64 PNG output, > 2 MiB
    const nb = {
      cells: [
        {
          cell_type: 'code',
          source: ['from transformers import TrainingArguments\n'],
          outputs: [{ output_type: 'display_data', data: { 'image/png': plot } }],
        },
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    };
    fs.writeFileSync(path.join(dir, 'big.ipynb'), JSON.stringify(nb));
    fs.writeFileSync(path.join(dir, 'big.py'), `# ${plot}\n`);
    const notebook = readInput(path.join(dir, 'big.ipynb'));
    assert.ok('text' in notebook, JSON.stringify(notebook).slice(0, 200));
    const script = readInput(path.join(dir, 'big.py'));
    assert.deepEqual(script, { error: 'larger than 2 MiB' });
    fs.rmSync(dir, { recursive: true });
  });
});
