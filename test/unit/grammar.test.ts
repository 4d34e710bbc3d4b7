// The web-tree-sitter runtime and the Python grammar as the bundles ship them (dist/, copied by esbuild.mjs).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import path from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { extractPython } from '../../src/analysis/extract/python';
import { distDir, FIXTURES, lineOf, loadParser, readFixture } from './helpers';

/** A long but ordinary training script: many helper functions, the hyperparameters at the very end. */
function bigScript(lines: number): string {
  const out = ['import torch', 'from transformers import AutoModelForCausalLM, Trainer, TrainingArguments', ''];
  let i = 0;
  while (out.length < lines - 9) {
    out.push(
      `def helper_${i}(x, scale=${(i % 7) + 1}):`,
      `    """Helper ${i}."""`,
      `    values = [x * scale for _ in range(${(i % 5) + 1})]`,
      `    return {"sum": sum(values), "name": f"helper_${i}", "ok": x > ${i}}`,
      '',
    );
    i++;
  }
  out.push(
    'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B", torch_dtype=torch.bfloat16)',
    'args = TrainingArguments(',
    '    output_dir="out",',
    '    per_device_train_batch_size=16,',
    '    gradient_accumulation_steps=2,',
    '    gradient_checkpointing=True,',
    ')',
    'trainer = Trainer(model=model, args=args)',
    'trainer.train()',
  );
  return out.join('\n') + '\n';
}

describe('Python grammar from dist/', () => {
  let parser: Parser;
  before(async () => {
    parser = await loadParser();
  });

  it('dist/ holds the runtime and the grammar next to the bundles', () => {
    assert.ok(fs.statSync(path.join(distDir, 'web-tree-sitter.wasm')).size > 10_000);
    assert.ok(fs.statSync(path.join(distDir, 'grammars', 'tree-sitter-python.wasm')).size > 10_000);
  });

  it('loads, and its ABI is one this runtime reads (13-15)', () => {
    const lang = parser.language;
    assert.ok(lang);
    assert.ok(lang.abiVersion >= 13 && lang.abiVersion <= 15, `ABI ${lang.abiVersion}`);
    assert.equal(lang.name, 'python');
  });

  it('is loaded once: later calls return the same parser', async () => {
    assert.equal(await loadParser(), parser);
  });

  it('parses Python into the node types the extractor relies on', () => {
    const tree = parser.parse('x = f(a=1, **kw)\n');
    assert.ok(tree);
    try {
      assert.equal(tree.rootNode.type, 'module');
      assert.equal(tree.rootNode.hasError, false);
      for (const t of ['assignment', 'call', 'keyword_argument', 'dictionary_splat', 'argument_list']) {
        assert.ok(tree.rootNode.descendantsOfType(t).length > 0, t);
      }
    } finally {
      tree.delete();
    }
  });

  it('reads a 5,000-line script and finds the values at its end, on the right lines', () => {
    const text = bigScript(5000);
    assert.ok(text.split('\n').length >= 5000);
    const t0 = performance.now();
    const hp = extractPython(parser, text);
    const ms = performance.now() - t0;
    assert.deepEqual(hp.syntaxErrors, []);
    assert.equal(hp.model?.value, 'meta-llama/Llama-3.2-1B');
    assert.equal(hp.microBatch?.value, 16);
    assert.equal(hp.microBatch?.span.line, lineOf(text, 'per_device_train_batch_size=16'));
    assert.ok(hp.microBatch!.span.line > 4980);
    assert.equal(hp.gradAccumulation?.value, 2);
    assert.equal(hp.gradientCheckpointing?.value, true);
    // generous bound: this is a smoke check that nothing is quadratic, not a benchmark
    assert.ok(ms < 3000, `${ms.toFixed(0)} ms`);
  });

  it('repeated parses of every fixture do not throw and give the same result each time', () => {
    const texts = FIXTURES.map((f) => readFixture(f));
    const first = texts.map((t) => JSON.stringify(extractPython(parser, t)));
    for (let round = 0; round < 30; round++) {
      texts.forEach((t, i) => assert.equal(JSON.stringify(extractPython(parser, t)), first[i], `${FIXTURES[i]} round ${round}`));
    }
  });

  it('parses empty, whitespace-only, binary-ish and non-ASCII text without throwing', () => {
    for (const text of [
      '',
      '\n\n   \n',
      '\u0000\u0001\u0002',
      'x = "héllo wörld ✓ 🚀"\nmodel = AutoModelForCausalLM.from_pretrained("🚀/x")\n',
      '\t'.repeat(1000),
    ]) {
      const hp = extractPython(parser, text);
      assert.equal(hp.kind, 'python');
    }
  });

  it('columns count UTF-16 code units, as VS Code positions do', () => {
    // "é" and "✓" are one UTF-16 unit each, "🚀" two: the keyword starts at column 16 of line 1
    const text = 'x = "é✓🚀"\nTrainingArguments(a="🚀🚀", per_device_train_batch_size=2)\n';
    const hp = extractPython(parser, text);
    assert.equal(hp.microBatch?.value, 2);
    assert.equal(hp.microBatch?.span.line, 1);
    const lineText = text.split('\n')[1];
    assert.equal(hp.microBatch?.span.column, lineText.indexOf('per_device_train_batch_size'));
    assert.equal(text.slice(hp.microBatch!.span.start, hp.microBatch!.span.end), 'per_device_train_batch_size=2');
  });
});
