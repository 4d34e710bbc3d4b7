// `vram-lens measure`: the Python probe (probe/) run against a stand-in torch
// (test/fixtures/measure/fake_torch: a counter for GPU memory with torch's names and hook conventions) and
// a small training loop (fake_train.py), the merging and matching helpers, and the bundled CLI end to end
// in a temporary workspace. The Python tests need `python3` and are skipped, with the reason, without it.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gpuCatalog } from '../../src/analysis/hardware/gpus';
import { catalogGpuFor, changedPlanValues, mergeProbeFiles, parseMeasurements, ProbeFile } from '../../src/analysis/measure/record';
import { GiB } from '../../src/analysis/units';
import { gitInfo, launchOf, probeEnv, readProbeFiles, redactCommand } from '../../src/measure/run';
import { repoRoot } from './helpers';

const MiB = 1024 ** 2;
const PROBE = path.join(repoRoot, 'probe');
const FAKE = path.join(repoRoot, 'test', 'fixtures', 'measure', 'fake_torch');
const OTHER_SITE = path.join(repoRoot, 'test', 'fixtures', 'measure', 'other_site');
const TRAIN = path.join(FAKE, 'fake_train.py');
const CLI = path.join(repoRoot, 'dist', 'cli.js');

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const HAS_PYTHON = !python.error && python.status === 0;

function needPython(ctx: Mocha.Context): void {
  if (!HAS_PYTHON) {
    console.log('      (skipped: python3 is not on PATH; the probe is Python)');
    ctx.skip();
  }
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-measure-test-'));
}

/** The environment of a probed Python process: the probe first on PYTHONPATH, then the stand-in torch. */
function probedEnv(outDir: string, extra: Record<string, string> = {}, steps = 3): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: FAKE, PYTHONDONTWRITEBYTECODE: '1' };
  for (const k of ['RANK', 'LOCAL_RANK', 'WORLD_SIZE']) delete base[k];
  return { ...probeEnv(base, PROBE, outDir, steps), ...extra };
}

interface Run {
  code: number | null;
  stderr: string;
  files: ProbeFile[];
  counter: string[];
}

function runTrain(extra: Record<string, string> = {}, steps = 3): Run {
  const dir = tmpDir();
  const counter = path.join(dir, 'counter.txt');
  const r = spawnSync('python3', [TRAIN], {
    env: probedEnv(path.join(dir, 'out'), { FAKE_COUNTER: counter, ...extra }, steps),
    encoding: 'utf8',
    timeout: 30_000,
  });
  const { files, problems } = readProbeFiles(path.join(dir, 'out'));
  assert.deepEqual(problems, [], 'every probe file parses');
  const lines = fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8').trim().split('\n') : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return { code: r.status, stderr: r.stderr, files, counter: lines };
}

function only(files: ProbeFile[]): ProbeFile {
  assert.equal(files.length, 1, 'one process, one file');
  return files[0];
}

describe('vram-lens measure: the probe against a stand-in torch', function () {
  this.timeout(60_000);
  before(function () {
    needPython(this);
  });

  it('records the peak of setup, forward + loss, backward and the optimizer step, read at each phase boundary', () => {
    const f = only(runTrain().files);
    for (const p of ['setup', 'forward', 'backward', 'optimizer']) assert.ok(f.phases[p], `phase ${p} recorded`);
    assert.equal(f.phases.forward.count, 3);
    assert.equal(f.phases.backward.count, 3);
    assert.equal(f.phases.optimizer.count, 3);
    // fake_train.py: 4 layers of 256 MiB weights, 64 MiB of activations per sample, batch 2; AdamW keeps
    // 2 states per weight from step 1 and a scratch copy of all weights during a step.
    const weights = 4 * 256 * MiB;
    assert.equal(f.phases.setup.allocatedBytes, weights + MiB, 'setup: the weights and the first input');
    assert.equal(
      f.phases.forward.allocatedBytes,
      weights + 2 * weights + 4 * 64 * MiB * 2 + MiB + 4,
      'forward: weights, AdamW states, activations, input, loss',
    );
    assert.equal(f.phases.optimizer.allocatedBytes, weights + weights + 2 * weights + weights, 'optimizer: weights, gradients, states, scratch');
    assert.ok(f.phases.backward.allocatedBytes > f.phases.forward.allocatedBytes && f.phases.backward.allocatedBytes < f.phases.optimizer.allocatedBytes);
    assert.ok(f.phases.optimizer.reservedBytes >= f.phases.optimizer.allocatedBytes);
    assert.equal(f.phases.optimizer.deviceUsedBytes, f.phases.optimizer.reservedBytes + 500 * MiB, 'device use = reserve + the fake CUDA context');
    assert.deepEqual(
      f.steps.map((s) => s.step),
      [0, 1, 2, 3],
    );
    assert.deepEqual(f.device, { index: 0, name: 'NVIDIA H100 80GB HBM3', totalBytes: 80 * GiB });
    assert.equal(f.versions.torch, '2.4.0+fake');
    assert.equal(f.cuda, '12.4');
  });

  it('stops the job cleanly after N optimizer steps: exit 0, status stopped, the loop never reaches step N+1', () => {
    const r = runTrain({ FAKE_STEPS: '10' }, 3);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.counter, ['started 1', 'started 2', 'started 3']);
    const f = only(r.files);
    assert.equal(f.status, 'stopped');
    assert.equal(f.stepsCompleted, 3);
    assert.match(r.stderr, /vram-lens probe: stopping after 3 optimizer steps/);
  });

  it('lets a job that ends before N steps finish as it would: status finished', () => {
    const r = runTrain({ FAKE_STEPS: '2' }, 5);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.counter, ['started 1', 'started 2', 'finished']);
    const f = only(r.files);
    assert.equal(f.status, 'finished');
    assert.equal(f.stepsCompleted, 2);
  });

  it('counts the micro-batches of gradient accumulation as one optimizer step', () => {
    const r = runTrain({ FAKE_ACCUM: '3' }, 2);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.counter, ['started 1', 'started 2']);
    const f = only(r.files);
    assert.equal(f.stepsCompleted, 2);
    assert.equal(f.phases.forward.count, 6);
    assert.equal(f.phases.backward.count, 6);
    assert.equal(f.phases.optimizer.count, 2);
  });

  it('records generation as its own phase when the program uses transformers, with the KV cache in its peak', () => {
    const f = only(runTrain({ FAKE_RL: '1' }, 2).files);
    assert.equal(f.phases.generation.count, 2);
    assert.equal(f.phases.forward.count, 2, "generate's own forward calls stay in generation");
    // step 2's generation: weights, AdamW states, 4 × 64 MiB of cache, 1 MiB per token input
    assert.ok(f.phases.generation.allocatedBytes >= 3 * 1024 * MiB + 4 * 64 * MiB);
    assert.equal(f.versions.transformers, '4.99.0+fake');
  });

  it('never imports transformers itself when the program does not', () => {
    const dir = tmpDir();
    const marker = path.join(dir, 'transformers-imported');
    const f = only(runTrain({ FAKE_TRANSFORMERS_MARKER: marker }, 1).files);
    assert.equal(fs.existsSync(marker), false, 'the stand-in transformers was never imported');
    assert.equal(f.versions.transformers, undefined);
    assert.equal(f.phases.generation, undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("records an out-of-memory error in the forward with the allocator's message, the step and the phase, and re-raises it", () => {
    const r = runTrain({ FAKE_OOM_AT_STEP: '2' }, 3);
    assert.equal(r.code, 1, 'the error still ends the program');
    assert.match(r.stderr, /torch\.cuda\.OutOfMemoryError: CUDA out of memory\. Tried to allocate 128\.00 MiB/);
    const f = only(r.files);
    assert.equal(f.status, 'oom');
    assert.equal(f.stepsCompleted, 1);
    assert.ok(f.oom);
    assert.equal(f.oom.step, 2);
    assert.equal(f.oom.phase, 'forward');
    assert.match(f.oom.message, /^CUDA out of memory\. Tried to allocate 128\.00 MiB\. GPU 0 has a total capacity of 80\.00 GiB/);
    assert.equal(f.numOoms, 1);
  });

  it('records an out-of-memory error in the backward even when the program catches it and exits on its own', () => {
    const r = runTrain({ FAKE_OOM_AT_STEP: '2', FAKE_OOM_IN: 'backward', FAKE_CATCH_OOM: '1' }, 3);
    assert.equal(r.code, 3);
    assert.deepEqual(r.counter, ['started 1', 'started 2', 'caught out of memory']);
    const f = only(r.files);
    assert.equal(f.status, 'oom');
    assert.deepEqual([f.oom?.step, f.oom?.phase], [2, 'backward']);
    assert.match(f.oom!.message, /^CUDA out of memory\. Tried to allocate 32\.00 MiB/);
  });

  it('records an uncaught error that is not a memory error as the error, and the merged record as failed', () => {
    const r = runTrain({ FAKE_RAISE_AT_STEP: '2' }, 3);
    assert.equal(r.code, 1);
    const f = only(r.files);
    assert.equal(f.status, 'error');
    assert.equal(f.error, 'ValueError: a bad batch in step 2');
    assert.equal(f.oom, null);
    assert.equal(mergeProbeFiles(r.files).status, 'failed');
  });

  it('two ranks write one file each into one folder; merged, they are one record over 2 GPUs with the larger rank as the peak', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out');
    const launch = (rank: number, batch: number) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const env = probedEnv(out, { RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: '2', FAKE_BATCH: String(batch) }, 2);
        const child = spawn('python3', [TRAIN], { env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const [r0, r1] = await Promise.all([launch(0, 2), launch(1, 4)]);
    assert.equal(r0.code, 0, r0.stderr);
    assert.equal(r1.code, 0, r1.stderr);
    assert.match(r1.stderr, /fake-torch: destroy_process_group/, 'the process group is destroyed before leaving');
    assert.doesNotMatch(r1.stderr, /vram-lens probe: stopping/, 'only rank 0 says so');
    const { files } = readProbeFiles(out);
    assert.deepEqual(
      files.map((f) => [f.rank, f.device?.index, f.status]),
      [
        [0, 0, 'stopped'],
        [1, 1, 'stopped'],
      ],
    );
    const m = mergeProbeFiles(files, gpuCatalog());
    assert.equal(m.status, 'complete');
    assert.deepEqual(m.gpu, { name: 'NVIDIA H100 80GB HBM3', count: 2, totalBytes: 80 * GiB, catalogId: 'h100-sxm-80gb' });
    assert.equal(m.processes.length, 2);
    assert.equal(m.peak?.rank, 1);
    assert.equal(m.phases.forward.allocatedBytes, files[1].phases.forward.allocatedBytes);
    assert.ok(files[1].phases.forward.allocatedBytes > files[0].phases.forward.allocatedBytes);
    assert.equal(m.stepsCompleted, 2);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves a Python process that never imports torch alone (no file), and still runs the sitecustomize it hides', () => {
    const dir = tmpDir();
    const marker = path.join(dir, 'other-site-ran');
    const env = { ...probedEnv(path.join(dir, 'out')), PYTHONPATH: [PROBE, OTHER_SITE].join(path.delimiter), OTHER_SITE_MARKER: marker };
    const r = spawnSync('python3', ['-c', "import sys; print('vram_lens_probe' in sys.modules, 'torch' in sys.modules)"], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'True False');
    assert.ok(fs.existsSync(marker), 'the other sitecustomize ran');
    assert.equal(fs.existsSync(path.join(dir, 'out')), false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("in the editor's terminal (VRAM_LENS_PROBE_REQUIRE_DIR) the probe starts only while its output folder exists", () => {
    const dir = tmpDir();
    const out = path.join(dir, 'out');
    const env = { ...probedEnv(out), VRAM_LENS_PROBE_REQUIRE_DIR: '1' };
    const loaded = () => spawnSync('python3', ['-c', "import sys; print('vram_lens_probe' in sys.modules)"], { env, encoding: 'utf8' }).stdout.trim();
    assert.equal(loaded(), 'False', 'the folder was removed after the measurement: a later command runs unprobed');
    fs.mkdirSync(out);
    assert.equal(loaded(), 'True', 'during the measurement the folder exists');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('does not load the probe without VRAM_LENS_PROBE_DIR', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: PROBE };
    delete env.VRAM_LENS_PROBE_DIR;
    const r = spawnSync('python3', ['-c', "import sys; print('vram_lens_probe' in sys.modules)"], { env, encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'False', r.stderr);
  });
});

// ---- pure helpers -----------------------------------------------------------------------------------

function probeFile(over: Partial<ProbeFile>): ProbeFile {
  return {
    format: 1,
    rank: 0,
    localRank: 0,
    worldSize: 1,
    pid: 1,
    status: 'stopped',
    stepsRequested: 3,
    stepsCompleted: 3,
    device: { index: 0, name: 'NVIDIA A100-SXM4-80GB', totalBytes: 79.15 * GiB },
    deviceCount: 1,
    versions: { torch: '2.5.1' },
    cuda: '12.4',
    hip: null,
    python: '3.11.9',
    phases: { forward: { allocatedBytes: 10 * GiB, reservedBytes: 12 * GiB, deviceUsedBytes: 13 * GiB, count: 3 } },
    steps: [],
    oom: null,
    numOoms: 0,
    error: null,
    notes: [],
    seconds: 1,
    ...over,
  };
}

describe('vram-lens measure: merging, GPU names, the records file', () => {
  it('a job whose ranks all stopped after N steps is complete; a helper process without steps does not change that', () => {
    const helper = probeFile({ rank: 0, pid: 2, status: 'finished', stepsCompleted: 0, phases: {} });
    assert.equal(mergeProbeFiles([probeFile({}), helper]).status, 'complete');
  });

  it('the status says what went wrong: out of memory, failed, finished early, no data', () => {
    const oom = probeFile({ rank: 1, status: 'oom', stepsCompleted: 1, oom: { message: 'CUDA out of memory.', step: 2, phase: 'backward' } });
    const merged = mergeProbeFiles([probeFile({}), oom]);
    assert.equal(merged.status, 'oom');
    assert.deepEqual(merged.oom, { message: 'CUDA out of memory.', step: 2, phase: 'backward', rank: 1 });
    assert.equal(mergeProbeFiles([probeFile({ status: 'error', error: 'ValueError: x' })]).status, 'failed');
    assert.equal(mergeProbeFiles([probeFile({ status: 'finished', stepsCompleted: 2 })]).status, 'finished-early');
    assert.equal(mergeProbeFiles([probeFile({ status: 'terminated' }), probeFile({ rank: 1 })]).status, 'failed');
    assert.equal(mergeProbeFiles([]).status, 'no-data');
  });

  it('names the catalog GPU from the name torch reports, telling SXM from PCIe and 40 from 80 GB by the memory', () => {
    const cat = gpuCatalog();
    const id = (name: string, gib: number | null) => catalogGpuFor(name, gib === null ? null : gib * GiB, cat)?.id ?? null;
    assert.equal(id('NVIDIA A100-SXM4-80GB', 79.15), 'a100-sxm-80gb');
    assert.equal(id('NVIDIA A100-SXM4-40GB', 39.39), 'a100-sxm-40gb');
    assert.equal(id('NVIDIA A100 80GB PCIe', 79.15), 'a100-pcie-80gb');
    assert.equal(id('NVIDIA H100 80GB HBM3', 79.1), 'h100-sxm-80gb');
    assert.equal(id('NVIDIA H100 PCIe', 79.1), 'h100-pcie-80gb');
    assert.equal(id('NVIDIA H100 NVL', 93.1), 'h100-nvl-94gb');
    assert.equal(id('NVIDIA GeForce RTX 4090', 23.64), 'rtx-4090-24gb');
    assert.equal(id('NVIDIA RTX A6000', 47.4), 'rtx-a6000-48gb');
    assert.equal(id('NVIDIA L4', 22.03), 'l4-24gb');
    assert.equal(id('NVIDIA L40S', 44.39), 'l40s-48gb');
    assert.equal(id('Tesla T4', 14.58), 't4-16gb');
    assert.equal(id('Tesla V100-SXM2-32GB', 31.73), 'v100-32gb');
    assert.equal(id('AMD Instinct MI300X', 191.98), 'mi300x-192gb');
    assert.equal(id('NVIDIA H100 80GB HBM3', 40), null, 'no catalog H100 has 40 GiB');
    assert.equal(id('NVIDIA GH200 480GB', 94.5), null, 'not in the catalog');
  });

  it('lists the plan values that changed since the measurement, for the editor', () => {
    const measured = {
      microBatch: { value: 2, origin: 'read' },
      seqLen: { value: 2048, origin: 'read' },
      loraTargets: { value: ['q_proj', 'v_proj'], origin: 'read' },
    };
    const now = { microBatch: { value: 4 }, seqLen: { value: 2048 }, loraTargets: { value: ['q_proj', 'v_proj'] } };
    assert.deepEqual(changedPlanValues(measured, now), [{ field: 'microBatch', measured: 2, now: 4 }]);
  });

  it('reads measurements.jsonl line by line and names the lines that do not parse', () => {
    const good = JSON.stringify(JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'measure', 'record.json'), 'utf8')));
    const { records, problems } = parseMeasurements(`${good}\n{"version": 1}\nnot json\n`);
    assert.equal(records.length, 1);
    assert.equal(records[0].line, 1);
    assert.equal(problems.length, 2);
    assert.match(problems[0], /^line 2: /);
    assert.match(problems[1], /^line 3: not JSON/);
  });
});

describe('vram-lens measure: the command', () => {
  let dir: string;
  before(() => {
    dir = tmpDir();
    for (const f of ['train.py', 'x.yaml', 'acc.yaml', 'cfg.yaml']) fs.writeFileSync(path.join(dir, f), '# empty\n');
    fs.writeFileSync(path.join(dir, 'run.sh'), '#!/bin/bash\nset -e\ntorchrun --nproc_per_node 4 train.py --config x.yaml\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes the training file the launcher runs, not the launcher config before it', () => {
    const l = launchOf(['accelerate', 'launch', '--config_file', 'acc.yaml', '--num_processes', '2', 'train.py', '--config', 'x.yaml'], dir);
    assert.equal(l.file, path.join(dir, 'train.py'));
    assert.equal(l.text, 'accelerate launch --config_file acc.yaml --num_processes 2 train.py --config x.yaml');
    assert.equal(launchOf(['llamafactory-cli', 'train', 'cfg.yaml'], dir).file, path.join(dir, 'cfg.yaml'));
    assert.equal(launchOf(['python3', '-m', 'some_trainer', 'cfg.yaml'], dir).file, path.join(dir, 'cfg.yaml'));
    assert.equal(launchOf(['python3', 'missing.py'], dir).file, null);
  });

  it('reads a launch script the command runs for its training file and launch options', () => {
    const l = launchOf(['bash', 'run.sh'], dir);
    assert.equal(l.file, path.join(dir, 'train.py'));
    assert.equal(l.scriptPath, path.join(dir, 'run.sh'));
    assert.match(l.text, /torchrun --nproc_per_node 4/);
  });

  it('puts the probe first on PYTHONPATH and keeps what was there', () => {
    const env = probeEnv({ PYTHONPATH: '/a' }, '/probe', '/out', 5);
    assert.equal(env.PYTHONPATH, ['/probe', '/a'].join(path.delimiter));
    assert.equal(env.VRAM_LENS_PROBE_DIR, '/out');
    assert.equal(env.VRAM_LENS_PROBE_STEPS, '5');
    assert.equal(probeEnv({}, '/probe', '/out', 3).PYTHONPATH, '/probe');
  });

  it('keeps no secret of the command in the record', () => {
    assert.deepEqual(redactCommand(['HF_TOKEN=abc', 'python', 'train.py', '--hub_token', 'xyz', '--lr', '1e-4', '--api_key=k', 'cutoff_len=4096']), [
      'HF_TOKEN=…',
      'python',
      'train.py',
      '--hub_token',
      '…',
      '--lr',
      '1e-4',
      '--api_key=…',
      'cutoff_len=4096',
    ]);
  });

  it("records the git commit of the file's repository, and none outside a repository", function () {
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
    if (head.status !== 0) {
      console.log('      (skipped: the repository is not a git checkout here)');
      this.skip();
    }
    assert.equal(gitInfo(path.join(repoRoot, 'package.json')).commit, head.stdout.trim());
    assert.deepEqual(gitInfo(path.join(dir, 'train.py')), { commit: null, dirty: null });
  });
});

// ---- the bundled CLI --------------------------------------------------------------------------------

describe('vram-lens measure (dist/cli.js) end to end', function () {
  this.timeout(60_000);
  let ws: string;
  const AXOLOTL = [
    'base_model: meta-llama/Llama-3.1-8B',
    'adapter: lora',
    'lora_r: 16',
    'lora_target_linear: true',
    'micro_batch_size: 2',
    'gradient_accumulation_steps: 4',
    'sequence_len: 2048',
    'bf16: true',
    'gradient_checkpointing: true',
    '',
  ].join('\n');

  const cli = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [CLI, ...args], {
      cwd: ws,
      env: { ...process.env, PYTHONPATH: FAKE, PYTHONDONTWRITEBYTECODE: '1', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.error) throw r.error;
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const records = () =>
    fs
      .readFileSync(path.join(ws, '.vram-lens', 'measurements.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));

  before(function () {
    needPython(this);
    assert.ok(fs.existsSync(path.join(repoRoot, 'dist', 'probe', 'sitecustomize.py')), 'dist/probe is built (node esbuild.mjs)');
    ws = tmpDir();
    fs.writeFileSync(path.join(ws, 'cfg.yaml'), AXOLOTL);
  });
  after(() => ws && fs.rmSync(ws, { recursive: true, force: true }));

  it('runs nothing without the command after --', () => {
    const r = cli(['measure', 'python3', '-m', 'fake_train', 'cfg.yaml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /put your launch command after --/);
    assert.equal(fs.existsSync(path.join(ws, '.vram-lens')), false);
  });

  it('measures the command, stops it after --steps, and records the peaks with the prediction analyze gives for its file', () => {
    const counter = path.join(ws, 'counter.txt');
    const r = cli(['measure', '--steps', '2', '--json', '--', 'python3', '-m', 'fake_train', 'cfg.yaml'], { FAKE_COUNTER: counter, FAKE_STEPS: '10' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readFileSync(counter, 'utf8').trim().split('\n'), ['started 1', 'started 2']);
    const printed = JSON.parse(r.stdout);
    const [rec] = records();
    assert.deepEqual(rec, printed);
    assert.equal(rec.version, 1);
    assert.equal(rec.file, 'cfg.yaml');
    assert.deepEqual(rec.command, ['python3', '-m', 'fake_train', 'cfg.yaml']);
    assert.equal(rec.status, 'complete');
    assert.equal(rec.stepsCompleted, 2);
    assert.deepEqual(rec.gpu, { name: 'NVIDIA H100 80GB HBM3', count: 1, totalBytes: 80 * GiB, catalogId: 'h100-sxm-80gb' });
    assert.equal(rec.versions.torch, '2.4.0+fake');
    assert.equal(rec.peak.allocatedBytes, 5 * GiB, 'the optimizer step of fake_train.py');
    assert.equal(rec.peak.phase, 'optimizer');
    assert.equal(rec.gitCommit, null);
    assert.equal(rec.plan.microBatch.value, 2);
    assert.equal(rec.plan.seqLen.value, 2048);
    assert.equal(rec.model.catalogId, 'meta-llama/Llama-3.1-8B');
    const analyzed = JSON.parse(cli(['analyze', '--json', '--gpu', 'h100-sxm-80gb', 'cfg.yaml']).stdout)[0];
    assert.equal(rec.prediction.peakAllocatedBytes, analyzed.perGpu.peakAllocatedBytes);
    assert.equal(rec.prediction.peakReservedBytes, analyzed.perGpu.peakReservedBytes);
    assert.equal(rec.prediction.targetGpu, 'h100-sxm-80gb');
  });

  it('check judges the measured file by its measurement: anchored, and anchored again with the predicted change after an edit', () => {
    const same = cli(['check', 'cfg.yaml']);
    assert.equal(same.code, 0, same.stderr);
    const date = records()[0].measuredAt.slice(0, 10);
    assert.match(
      same.stdout,
      new RegExp(
        `^PASS cfg\\.yaml: ≈ 5\\.0 GiB/GPU of [\\d.]+ GiB usable on 1× H100 SXM 80GB \\(meta-llama/Llama-3\\.1-8B\\), anchored on the measurement of ${date}: measured 5\\.0 GiB, settings unchanged\n$`,
      ),
    );
    const original = fs.readFileSync(path.join(ws, 'cfg.yaml'), 'utf8');
    try {
      fs.writeFileSync(path.join(ws, 'cfg.yaml'), original.replace('micro_batch_size: 2', 'micro_batch_size: 4'));
      const edited = cli(['check', 'cfg.yaml']);
      const m = /≈ ([\d.]+) GiB\/GPU .*measured 5\.0 GiB \+ predicted change \+([\d.]+) GiB \(micro-batch 2→4\) = ([\d.]+) GiB$/m.exec(edited.stdout);
      assert.ok(m, edited.stdout);
      assert.equal(m[1], m[3]);
      assert.ok(Math.abs(5 + Number(m[2]) - Number(m[3])) <= 0.051, '5.0 + change = anchored (rounded to 0.1)');
      // without measurements: the plain prediction
      const plain = cli(['check', '--no-measurements', 'cfg.yaml']);
      assert.doesNotMatch(plain.stdout, /measurement/);
      // another target GPU: the measurement is named and not used
      const a100 = cli(['check', '--gpu', 'a100-sxm-80gb', 'cfg.yaml']);
      assert.match(a100.stdout, /\(prediction only: the measurement of [\d-]+ is not used: measured on 1× H100 SXM 80GB, the target is 1× A100 SXM 80GB\)$/m);
    } finally {
      fs.writeFileSync(path.join(ws, 'cfg.yaml'), original);
    }
  });

  it('records a run that runs out of memory after the first, and exits 1', () => {
    const r = cli(['measure', '--', 'python3', '-m', 'fake_train', 'cfg.yaml'], { FAKE_OOM_AT_STEP: '1' });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /OUT OF MEMORY on rank 0 in step 1 \(forward \+ loss\)/);
    assert.match(r.stdout, /recorded as measurement 2 in \.vram-lens\/measurements\.jsonl/);
    const all = records();
    assert.equal(all.length, 2);
    assert.equal(all[1].status, 'oom');
    assert.deepEqual([all[1].oom.rank, all[1].oom.step, all[1].oom.phase], [0, 1, 'forward']);
  });

  it('check fails a file whose newest run on the target ran out of memory with the same settings', () => {
    const r = cli(['check', 'cfg.yaml']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^FAIL cfg\.yaml: out of memory on 1× H100 SXM 80GB \(meta-llama\/Llama-3\.1-8B\): the measurement of [\d-]+ ran out of memory with these settings \(step 1, forward \+ loss\)/,
    );
  });

  it('--export prints the measurement as a calibration case without paths, file names, user or host names', () => {
    const r = cli(['measure', '--export', '--index', '1']);
    assert.equal(r.code, 0, r.stderr);
    const c = JSON.parse(r.stdout);
    const calibration = JSON.parse(fs.readFileSync(path.join(repoRoot, 'bench', 'data', 'calibration.json'), 'utf8')).cases[0];
    for (const k of Object.keys(calibration).filter((k) => !['excluded'].includes(k)))
      assert.ok(k in c, `the case has ${k}, as bench/data/calibration.json's cases`);
    assert.equal(c.model_id, 'meta-llama/Llama-3.1-8B');
    assert.deepEqual([c.method, c.micro_batch, c.seq_len, c.grad_checkpointing, c.gpus], ['lora', 2, 2048, true, 1]);
    assert.deepEqual(c.measured, { value: 5, unit: 'GiB', metric: 'allocated' });
    assert.equal(c.measured_reserved.metric, 'reserved');
    const text = r.stdout;
    const forbidden = [ws, path.basename(ws), os.tmpdir(), 'cfg.yaml', 'fake_train', os.hostname(), os.userInfo().username, repoRoot];
    for (const f of forbidden) assert.ok(!text.includes(f), `the export does not contain ${f}`);
  });

  it('--export of a run that ran out of memory says why there is nothing to export', () => {
    const r = cli(['measure', '--export']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /measurement 2: this measurement has no peak to contribute: it ran out of memory \(step 1, forward\)/);
  });

  it('--list shows each measurement with its number', () => {
    const r = cli(['measure', '--list']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n');
    assert.equal(rows.length, 3);
    assert.match(rows[1], /^1 .* complete +cfg\.yaml +1× NVIDIA H100 80GB HBM3 +5\.0 GiB/);
    assert.match(rows[2], /^2 .* oom +cfg\.yaml/);
  });

  it('a command that cannot start is reported, exit 2, and not recorded', () => {
    const r = cli(['measure', '--', 'no-such-launcher-xyz', 'train.py']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /could not start no-such-launcher-xyz: not found/);
    assert.equal(records().length, 2);
  });
});
