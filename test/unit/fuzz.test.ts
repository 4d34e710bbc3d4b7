// Random damage to the fixtures, as happens while typing: truncations, character edits, deletions and
// insertions. analyzeText must never throw, must stay fast, and what it returns must stay well-formed.
// Seeded (mulberry32), so a failure names the seed and variant that reproduce it.
import { strict as assert } from 'node:assert';
import { analyzeText, AnalysisDeps, Report, reportToJson } from '../../src/analysis/report';
import { FIXTURES, fuzzVariants, loadDeps, mulberry32, readFixture, settings } from './helpers';

const SEED = 0x5eed_2026;
const VARIANTS_PER_KIND = 11; // × 4 kinds × 7 fixtures = 308 variants
// A hang detector, not a speed target (speed is measured by npm run bench:latency): generous for a loaded 2-core CI.
const BUDGET_MS = 2000;
// characters that change Python's structure the most
const NASTY = ['(', ')', '[', ']', '{', '}', ':', '=', ',', '"', "'", '\n', ' ', '#', '*', '\\', '.', '0', 'x', '\t', 'é', '🚀'];

type Mutate = (text: string, rnd: () => number) => string;
const pick = (rnd: () => number, n: number) => Math.floor(rnd() * n);

const MUTATIONS: Record<string, Mutate> = {
  truncate: (t, rnd) => t.slice(0, pick(rnd, t.length + 1)),
  edit: (t, rnd) => {
    let s = t;
    const edits = 1 + pick(rnd, 8);
    for (let i = 0; i < edits && s.length > 0; i++) {
      const at = pick(rnd, s.length);
      s = s.slice(0, at) + NASTY[pick(rnd, NASTY.length)] + s.slice(at + 1);
    }
    return s;
  },
  delete: (t, rnd) => {
    let s = t;
    const cuts = 1 + pick(rnd, 4);
    for (let i = 0; i < cuts && s.length > 0; i++) {
      const at = pick(rnd, s.length);
      s = s.slice(0, at) + s.slice(at + 1 + pick(rnd, 40));
    }
    return s;
  },
  insert: (t, rnd) => {
    let s = t;
    const n = 1 + pick(rnd, 6);
    for (let i = 0; i < n; i++) {
      const at = pick(rnd, s.length + 1);
      s = s.slice(0, at) + NASTY[pick(rnd, NASTY.length)].repeat(1 + pick(rnd, 3)) + s.slice(at);
    }
    return s;
  },
};

function checkWellFormed(r: Report, text: string, what: string): void {
  const lines = text.split('\n').length;
  const spans = [
    ...r.findings.map((f) => f.span),
    ...r.findings.flatMap((f) => f.related.map((x) => x.span)),
    ...r.hyperparams.unread.map((u) => u.span),
    ...r.hyperparams.syntaxErrors,
    ...(r.anchor ? [r.anchor] : []),
  ];
  for (const s of spans) {
    assert.ok(s.start >= 0 && s.start <= s.end && s.end <= text.length, `${what}: span ${JSON.stringify(s)} outside ${text.length} chars`);
    assert.ok(s.line >= 0 && s.line <= s.endLine && s.endLine < lines, `${what}: span lines ${s.line}-${s.endLine} of ${lines}`);
  }
  if (r.estimate) {
    for (const v of [r.estimate.peakAllocatedBytes, r.estimate.peakReservedBytes, r.estimate.requiredBytes]) {
      assert.ok(Number.isFinite(v) && v > 0, `${what}: estimate ${v}`);
    }
    assert.ok(r.estimate.peakReservedBytes >= r.estimate.peakAllocatedBytes, what);
  }
  for (const f of r.findings) assert.ok(f.message.length > 0 && !/undefined|NaN/.test(f.message), `${what}: message "${f.message}"`);
  // the CLI's view of it serialises
  JSON.stringify(reportToJson(r));
}

describe('fuzz: analyzeText on damaged fixtures', () => {
  let deps: AnalysisDeps;
  before(async () => {
    deps = await loadDeps();
    // warm up (grammar, catalogs, JIT) so that timings measure the analysis only
    for (const f of FIXTURES) analyzeText(readFixture(f), f, settings(), deps);
  });

  it(`≥ 300 seeded variants never throw, stay well-formed and finish within ${BUDGET_MS} ms each`, function () {
    this.timeout(60_000);
    const { count, slowest } = fuzzVariants(
      FIXTURES.map((f) => ({ name: f, text: readFixture(f) })),
      MUTATIONS,
      { perKind: VARIANTS_PER_KIND, seed: SEED },
      (text, name) => analyzeText(text, name, settings(), deps),
      checkWellFormed,
    );
    assert.ok(count >= 300, `${count} variants`);
    assert.ok(slowest.ms < BUDGET_MS, `slowest ${slowest.what}: ${slowest.ms.toFixed(1)} ms`);
  });

  it('damage on the settings side: every catalog GPU and several GPU counts on a damaged file', () => {
    const rnd = mulberry32(SEED + 1);
    const text = MUTATIONS.edit(readFixture('trl_sft_qlora.py'), rnd);
    for (const targetGpu of ['t4-16gb', 'rtx-4090-24gb', 'a100-sxm-80gb', 'b200-180gb', 'no-such-gpu']) {
      for (const gpuCount of [1, 2, 8, 4096]) {
        const r = analyzeText(text, 'x.py', settings({ targetGpu, gpuCount }), deps);
        checkWellFormed(r, text, `${targetGpu} × ${gpuCount}`);
      }
    }
  });

  it('a script of only partial tokens, typed one character at a time, never throws', () => {
    const text = readFixture('unsloth_lora.py');
    // every prefix on a coarse grid plus the last 200 characters one by one
    for (let n = 0; n <= text.length; n += n < text.length - 200 ? 37 : 1) {
      const r = analyzeText(text.slice(0, n), 'typing.py', settings(), deps);
      checkWellFormed(r, text.slice(0, n), `prefix ${n}`);
    }
  });
});
