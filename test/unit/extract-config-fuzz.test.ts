// Random damage to the config and notebook fixtures, as happens while typing: truncations, character
// edits, deletions, insertions. analyzeText must never throw, stay fast, and return well-formed spans.
// Seeded (mulberry32), so a failure names the seed and variant that reproduce it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeText, AnalysisDeps, Report, reportToJson } from '../../src/analysis/report';
import { configsDir, memoryDeps } from './extract-config.test';
import { fuzzVariants, loadDeps, repoRoot, settings } from './helpers';

const SEED = 0xc0f1_9004;
const VARIANTS_PER_KIND = 6; // × 4 kinds × 16 fixtures = 384 variants
// A hang detector, not a speed target (speed is measured by npm run bench:latency): generous for a loaded 2-core CI.
const BUDGET_MS = 2000;
// characters that change YAML/JSON structure the most
const NASTY = [':', '-', ' ', '\n', '\t', '{', '}', '[', ']', ',', '"', "'", '#', '&', '*', '!', '|', '>', '$', '%', '\\', '0', 'é', '🚀'];

const pick = (rnd: () => number, n: number) => Math.floor(rnd() * n);
const MUTATIONS: Record<string, (t: string, rnd: () => number) => string> = {
  truncate: (t, rnd) => t.slice(0, pick(rnd, t.length + 1)),
  edit: (t, rnd) => {
    let s = t;
    for (let i = 0, n = 1 + pick(rnd, 8); i < n && s.length; i++) {
      const at = pick(rnd, s.length);
      s = s.slice(0, at) + NASTY[pick(rnd, NASTY.length)] + s.slice(at + 1);
    }
    return s;
  },
  delete: (t, rnd) => {
    let s = t;
    for (let i = 0, n = 1 + pick(rnd, 4); i < n && s.length; i++) {
      const at = pick(rnd, s.length);
      s = s.slice(0, at) + s.slice(at + 1 + pick(rnd, 40));
    }
    return s;
  },
  insert: (t, rnd) => {
    let s = t;
    for (let i = 0, n = 1 + pick(rnd, 6); i < n; i++) {
      const at = pick(rnd, s.length + 1);
      s = s.slice(0, at) + NASTY[pick(rnd, NASTY.length)].repeat(1 + pick(rnd, 3)) + s.slice(at);
    }
    return s;
  },
};

const FILES = [
  ...[
    'axolotl_qlora.yml',
    'axolotl_full_zero3.yaml',
    'llamafactory_qlora.yaml',
    'llamafactory_full.yaml',
    'llamafactory_predict.yaml',
    'llamafactory_v1_lora.yaml',
    'torchtune_qlora.yaml',
    'torchtune_full_distributed.yaml',
    'torchtune_generation.yaml',
    'trl_sft.yaml',
    'accelerate_fsdp2.yaml',
    'deepspeed_configs/zero3_bf16.json',
    'ds_template.json',
    'scripts/train_hf.sh',
  ].map((f) => path.join(configsDir, f)),
  path.join(repoRoot, 'test', 'fixtures', 'notebooks', 'unsloth_colab.ipynb'),
  path.join(repoRoot, 'test', 'fixtures', 'notebooks', 'full_ft_oom.ipynb'),
];

function checkWellFormed(r: Report, text: string, what: string): void {
  const lines = text.split('\n').length;
  const spans = [
    ...r.findings.map((f) => f.span),
    ...r.findings.flatMap((f) => f.related.map((x) => x.span)),
    ...r.hyperparams.unread.map((u) => u.span),
    ...r.hyperparams.syntaxErrors,
    ...(r.anchor ? [r.anchor] : []),
    ...Object.values(r.plan ?? {}).flatMap((f) => (f.span ? [f.span] : [])),
  ];
  for (const s of spans) {
    assert.ok(s.start >= 0 && s.start <= s.end && s.end <= text.length, `${what}: span ${JSON.stringify(s)} outside ${text.length} chars`);
    assert.ok(s.line >= 0 && s.line <= s.endLine && s.endLine < lines, `${what}: span lines ${s.line}-${s.endLine} of ${lines}`);
  }
  for (const f of r.findings) assert.ok(f.message.length > 0 && !/undefined|NaN|\[object/.test(f.message), `${what}: message "${f.message}"`);
  if (r.estimate) assert.ok(Number.isFinite(r.estimate.requiredBytes) && r.estimate.requiredBytes > 0, what);
  JSON.stringify(reportToJson(r));
}

describe('fuzz: configs and notebooks, damaged', () => {
  let deps: AnalysisDeps;
  before(async () => {
    // linked files are served from memory so that damaged links are followed too
    const files: Record<string, string> = {};
    for (const f of ['deepspeed_configs/zero3_bf16.json', 'accelerate_fsdp2.yaml', 'scripts/launch_axolotl.sh', 'scripts/train_hf.sh'])
      files[f] = fs.readFileSync(path.join(configsDir, f), 'utf8');
    deps = memoryDeps(await loadDeps(), '/ws', files);
    for (const f of FILES) analyzeText(fs.readFileSync(f, 'utf8'), `/ws/${path.basename(f)}`, settings(), deps);
  });

  it(`≥ 380 seeded variants never throw, stay well-formed and finish within ${BUDGET_MS} ms each`, function () {
    this.timeout(60_000);
    const { count, slowest } = fuzzVariants(
      FILES.map((f) => ({ name: `/ws/${path.basename(f)}`, text: fs.readFileSync(f, 'utf8') })),
      MUTATIONS,
      { perKind: VARIANTS_PER_KIND, seed: SEED },
      (text, name) => analyzeText(text, name, settings(), deps),
      checkWellFormed,
    );
    assert.ok(count >= 380, `${count} variants`);
    assert.ok(slowest.ms < BUDGET_MS, `slowest ${slowest.what}: ${slowest.ms.toFixed(1)} ms`);
  });

  it('a config typed one character at a time never throws', () => {
    const text = fs.readFileSync(path.join(configsDir, 'torchtune_qlora.yaml'), 'utf8');
    for (let n = 0; n <= text.length; n += 7) {
      const r = analyzeText(text.slice(0, n), '/ws/torchtune_qlora.yaml', settings(), deps);
      checkWellFormed(r, text.slice(0, n), `prefix ${n}`);
    }
  });

  it('pathological inputs: deep nesting, huge scalars, alias bombs, binary noise', () => {
    const bomb =
      'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nbase_model: Qwen/Qwen2.5-0.5B\n';
    const inputs: [string, string][] = [
      ['deep.json', '['.repeat(5000) + ']'.repeat(5000)],
      ['deep.yaml', Array.from({ length: 300 }, (_, i) => ' '.repeat(i) + `k${i}:`).join('\n')],
      ['big.yaml', `base_model: ${'x'.repeat(200_000)}\nmicro_batch_size: 1e400\nsequence_len: -3\n`],
      ['bomb.yaml', bomb],
      ['noise.json', String.fromCharCode(...Array.from({ length: 4000 }, (_, i) => (i * 7919) % 256))],
      ['noise.ipynb', '{"cells":[{"cell_type":"code","source":["' + '\\'.repeat(999) + '"]}]}'],
    ];
    for (const [name, text] of inputs) {
      const t0 = performance.now();
      const r = analyzeText(text, `/ws/${name}`, settings(), deps);
      assert.ok(performance.now() - t0 < 2000, `${name} took too long`);
      checkWellFormed(r, text, name);
    }
  });
});
