// Shared helpers of the unit tests: the Python grammar loaded from dist/ (as the bundles load it),
// the fixtures, and line lookups computed from the fixture text (never hard-coded line numbers).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { findGpu, GpuSpec } from '../../src/analysis/hardware/gpus';
import { resolveModel } from '../../src/analysis/models/catalog';
import { ModelSpec } from '../../src/analysis/models/spec';
import { initPythonParser } from '../../src/analysis/extract/parser';
import { AnalysisDeps, AnalysisSettings, DEFAULT_SETTINGS, Report } from '../../src/analysis/report';

/** out/test/unit -> the repository root */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const distDir = path.join(repoRoot, 'dist');
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures', 'python');

/** The parser from dist/ (web-tree-sitter.wasm + grammars/tree-sitter-python.wasm, copied by esbuild.mjs). */
export function loadParser(): Promise<Parser> {
  return initPythonParser(distDir);
}

export async function loadDeps(): Promise<AnalysisDeps> {
  return { pythonParser: await loadParser() };
}

export function settings(overrides: Partial<AnalysisSettings> = {}): AnalysisSettings {
  return { ...DEFAULT_SETTINGS, ...overrides };
}

export function fixturePath(name: string): string {
  return path.join(fixturesDir, name);
}

export function readFixture(name: string): string {
  return fs.readFileSync(fixturePath(name), 'utf8');
}

export const FIXTURES = [
  'hf_trainer_full.py',
  'trl_sft_qlora.py',
  'unsloth_lora.py',
  'constants_and_kwargs.py',
  'inference_only.py',
  'broken_half_typed.py',
  'unknown_model.py',
];

/**
 * 0-based line of the n-th (0-based) line containing `needle`. Throws when it is not there, so a test
 * never silently compares against -1.
 */
export function lineOf(text: string, needle: string | RegExp, nth = 0): number {
  const lines = text.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    const hit = typeof needle === 'string' ? lines[i].includes(needle) : needle.test(lines[i]);
    if (hit && seen++ === nth) return i;
  }
  throw new Error(`fixture has no line ${nth + 1} matching ${String(needle)}`);
}

/** Deterministic PRNG (mulberry32, public domain) for reproducible fuzzing. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A catalog model by id (fails the test when it is missing). */
export function spec(ref: string): ModelSpec {
  const r = resolveModel(ref);
  if (!r.spec) throw new Error(`${ref} is not in the catalog: ${r.reason}`);
  return r.spec;
}

/** A catalog GPU by id (fails the test when it is missing). */
export function gpu(id: string): GpuSpec {
  const g = findGpu(id);
  if (!g) throw new Error(`${id} is not in the GPU catalog`);
  return g;
}

/**
 * Seeded damage for the fuzz tests: every mutation, `perKind` times, of every input; each variant is
 * analysed (a throw fails the test with the variant printed) and checked. Returns the count and the
 * slowest variant (a hang detector, not a speed target).
 */
export function fuzzVariants(
  inputs: { name: string; text: string }[],
  mutations: Record<string, (text: string, rnd: () => number) => string>,
  opts: { perKind: number; seed: number },
  analyze: (text: string, name: string) => Report,
  check: (r: Report, variant: string, what: string) => void,
): { count: number; slowest: { ms: number; what: string } } {
  const rnd = mulberry32(opts.seed);
  let count = 0;
  let slowest = { ms: 0, what: '' };
  for (const input of inputs) {
    for (const [kind, mutate] of Object.entries(mutations)) {
      for (let i = 0; i < opts.perKind; i++) {
        const variant = mutate(input.text, rnd);
        const what = `${path.basename(input.name)} ${kind} #${i} (seed ${opts.seed})`;
        const t0 = performance.now();
        let r: Report;
        try {
          r = analyze(variant, input.name);
        } catch (e) {
          throw new Error(`${what} threw: ${(e as Error).stack}\n--- variant ---\n${variant}`, { cause: e });
        }
        const ms = performance.now() - t0;
        if (ms > slowest.ms) slowest = { ms, what };
        check(r, variant, what);
        count++;
      }
    }
  }
  return { count, slowest };
}
