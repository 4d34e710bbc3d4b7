// npm run bench:latency — how fast the engine turns text into findings, and whether memory stays flat.
// Prints p50/p95 of analyzeText for a 300-line and a 5,000-line script (targets: p95 <= 15 ms and
// <= 100 ms), when the file is opened (a full parse) and after each keystroke (the editor re-analyses the same
// document; tree-sitter reuses its previous tree, extract/trees.ts), the cold start (WASM runtime + grammar + first analysis, target <= 250 ms, measured in a
// fresh process), and the WASM/external heap before and after 10,000 re-analyses (must stay flat).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzeText, DEFAULT_SETTINGS } from '../src/analysis/report';
import { nodeAnalysisDeps } from '../src/node-deps';

const root = path.join(__dirname, '..', '..');
const dist = path.join(root, 'dist');

/** A realistic script of about `lines` lines: the example plus data-processing helpers. */
function script(lines: number): string {
  const head = readFileSync(path.join(root, 'examples', 'llama-3.1-8b-full-finetune.py'), 'utf8');
  const out = [head];
  let n = head.split('\n').length;
  for (let i = 0; n < lines; i++) {
    const block = [
      `def preprocess_${i}(batch, tokenizer, max_length=${512 + i}):`,
      `    texts = [f"### Instruction: {q}\\n### Response: {a}" for q, a in zip(batch["q"], batch["a"])]`,
      `    enc = tokenizer(texts, truncation=True, max_length=max_length, padding="max_length")`,
      `    enc["labels"] = [ids[:] for ids in enc["input_ids"]]`,
      `    return {k: v for k, v in enc.items() if k != "token_type_ids"}`,
      ``,
    ];
    out.push(block.join('\n'));
    n += block.length;
  }
  return out.join('\n');
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
}

async function main() {
  // the figures depend on the machine: CI has 2 cores, and a loaded machine is slower
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  console.log(
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), load average ${load} (1, 5, 15 min), Node ${process.version}`,
  );
  const deps = await nodeAnalysisDeps(dist);
  for (const [lines, runs, target] of [
    [300, 300, 15],
    [5000, 60, 100],
  ] as const) {
    const text = script(lines);
    // Opening a file: a name not seen before, so tree-sitter parses the whole text.
    for (let i = 0; i < 5; i++) analyzeText(text, `warm-${i}.py`, DEFAULT_SETTINGS, deps);
    const opening: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      analyzeText(text, `open-${lines}-${i}.py`, DEFAULT_SETTINGS, deps);
      opening.push(performance.now() - t);
    }
    // Typing: the same document, one character changed before each analysis (a digit of a different
    // max_length=… each time), as the editor re-analyses on each change; the previous tree is reused.
    const digits = [...text.matchAll(/max_length=(\d)/g)].map((m) => m.index! + 'max_length='.length);
    let doc = text;
    const typing: number[] = [];
    for (let i = 0; i < runs + 5; i++) {
      const at = digits[(i * 7919) % digits.length];
      doc = doc.slice(0, at) + String((Number(doc[at]) + 1) % 10) + doc.slice(at + 1);
      const t = performance.now();
      analyzeText(doc, `typing-${lines}.py`, DEFAULT_SETTINGS, deps);
      if (i >= 5) typing.push(performance.now() - t); // the first five warm up
    }
    // how much of it is tree-sitter's full parse alone (WASM), which no reader change can shorten
    const parses: number[] = [];
    for (let i = 0; i < Math.min(runs, 30); i++) {
      const t = performance.now();
      deps.pythonParser.parse(text)?.delete();
      parses.push(performance.now() - t);
    }
    const n = text.split('\n').length;
    const fig = (xs: number[]) => `p50 ${percentile(xs, 0.5).toFixed(1)} ms, p95 ${percentile(xs, 0.95).toFixed(1)} ms`;
    const met = (xs: number[]) => (percentile(xs, 0.95) <= target ? 'met' : 'NOT met');
    console.log(
      `text-to-findings, ${n} lines, opening the file (full parse): ${fig(opening)} (target p95 <= ${target} ms: ${met(opening)}, ${runs} runs); the parse alone p50 ${percentile(parses, 0.5).toFixed(1)} ms`,
    );
    console.log(
      `text-to-findings, ${n} lines, after each keystroke (incremental parse): ${fig(typing)} (target p95 <= ${target} ms: ${met(typing)}, ${runs} runs)`,
    );
  }

  // Cold start in a fresh process: WASM runtime, grammar, first analysis.
  const cold = execFileSync(process.execPath, [__filename, '--cold'], { encoding: 'utf8' }).trim();
  console.log(cold);

  const text = script(300);
  const heap = () => {
    const m = process.memoryUsage();
    return { external: m.external / 2 ** 20, arrayBuffers: m.arrayBuffers / 2 ** 20, rss: m.rss / 2 ** 20 };
  };
  globalThis.gc?.();
  const before = heap();
  // edits of ten documents in turn: trees are reused, replaced and evicted (six are kept)
  for (let i = 0; i < 10_000; i++) analyzeText(text + `\n# edit ${i}\n`, `train-${i % 10}.py`, DEFAULT_SETTINGS, deps);
  globalThis.gc?.();
  const after = heap();
  console.log(
    `heap after 10,000 re-analyses: external ${before.external.toFixed(1)} -> ${after.external.toFixed(1)} MiB, ` +
      `array buffers (WASM memory) ${before.arrayBuffers.toFixed(1)} -> ${after.arrayBuffers.toFixed(1)} MiB, rss ${before.rss.toFixed(0)} -> ${after.rss.toFixed(0)} MiB`,
  );
}

async function coldStart() {
  const t0 = performance.now();
  const deps = await nodeAnalysisDeps(dist);
  const t1 = performance.now();
  analyzeText(script(300), 'train.py', DEFAULT_SETTINGS, deps);
  const t2 = performance.now();
  console.log(
    `cold start: WASM runtime + grammar ${(t1 - t0).toFixed(0)} ms, first analysis ${(t2 - t1).toFixed(0)} ms, total ${(t2 - t0).toFixed(0)} ms (target <= 250 ms)`,
  );
}

(process.argv.includes('--cold') ? coldStart() : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
