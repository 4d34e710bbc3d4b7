// Incremental parsing (src/analysis/extract/trees.ts): a document parsed again after an edit reuses its previous
// tree. tree-sitter promises the same tree as a fresh parse when the edit it is told is right; these tests hold
// the edit computation to that promise (compared as S-expressions) and the reader to the same findings.
import { strict as assert } from 'node:assert';
import type { Parser } from 'web-tree-sitter';
import { extractPython } from '../../src/analysis/extract/python';
import { editBetween, forgetTrees, parseKeyed, pointAt } from '../../src/analysis/extract/trees';
import { analyzeText } from '../../src/analysis/report';
import { loadDeps, loadParser, readFixture, settings } from './helpers';

/** A deterministic pseudo-random sequence (the same edits on every run). */
function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

function freshSexp(parser: Parser, text: string): string {
  const t = parser.parse(text)!;
  try {
    return t.rootNode.toString();
  } finally {
    t.delete();
  }
}

describe('incremental parsing (trees.ts)', () => {
  let parser: Parser;
  before(async () => {
    parser = await loadParser();
  });
  afterEach(() => forgetTrees(parser));

  it('places offsets on rows and columns as tree-sitter counts them', () => {
    const text = 'ab\ncd\n\nxyz';
    assert.deepEqual(pointAt(text, 0), { row: 0, column: 0 });
    assert.deepEqual(pointAt(text, 2), { row: 0, column: 2 }); // the newline itself ends row 0
    assert.deepEqual(pointAt(text, 3), { row: 1, column: 0 });
    assert.deepEqual(pointAt(text, 7), { row: 3, column: 0 });
    assert.deepEqual(pointAt(text, 10), { row: 3, column: 3 });
  });

  it('describes one edit by the common start and end of the two texts', () => {
    const e = editBetween('x = 1\ny = 2\n', 'x = 1\ny = 42\n');
    assert.equal(e.startIndex, 10); // "y = " ends at 10; "2\n" is the common end
    assert.equal(e.oldEndIndex, 10);
    assert.equal(e.newEndIndex, 11);
    assert.deepEqual(e.startPosition, { row: 1, column: 4 });
    assert.deepEqual(e.newEndPosition, { row: 1, column: 5 });
    // a deletion across lines
    const d = editBetween('a\nb\nc\n', 'a\nc\n');
    assert.equal(d.oldEndIndex - d.startIndex, 2);
    assert.equal(d.newEndIndex, d.startIndex);
  });

  it('gives the tree of a fresh parse after each of 60 random edits (insertions, deletions, lines, non-ASCII)', () => {
    const random = rng(7);
    const pieces = ['x', '\n', '    ', '(', ')', 'lr=2e-5, ', '"é", ', '# 🚀 note\n', 'def f(a):\n    return a\n', '', ''];
    let text = readFixture('trl_sft_qlora.py');
    for (let i = 0; i < 60; i++) {
      const at = Math.floor(random() * text.length);
      const cut = Math.floor(random() * 12);
      const piece = pieces[Math.floor(random() * pieces.length)];
      // never split a surrogate pair: an editor never leaves half a character
      const safe = (o: number) => (o > 0 && o < text.length && /[\uDC00-\uDFFF]/.test(text[o]) ? o + 1 : o);
      const a = safe(at);
      const b = safe(Math.min(text.length, a + cut));
      text = text.slice(0, a) + piece + text.slice(b);
      const tree = parseKeyed(parser, text, 'doc.py')!;
      assert.equal(tree.rootNode.toString(), freshSexp(parser, text), `edit ${i} at ${a}`);
    }
  });

  it('keeps a few documents and frees the oldest trees', () => {
    for (let i = 0; i < 12; i++) parseKeyed(parser, `x = ${i}\n`, `doc-${i}.py`);
    // the oldest document was evicted: parsing it again is a fresh parse, still right
    const t = parseKeyed(parser, 'x = 0\ny = 1\n', 'doc-0.py')!;
    assert.equal(t.rootNode.toString(), freshSexp(parser, 'x = 0\ny = 1\n'));
    // the newest document still has its tree: the same text returns the same tree
    const again = parseKeyed(parser, 'x = 11\n', 'doc-11.py');
    assert.equal(parseKeyed(parser, 'x = 11\n', 'doc-11.py'), again);
  });

  it('reads the same hyperparameters from an edited document as from a fresh read', () => {
    const base = readFixture('hf_trainer_full.py');
    const edited = base.replace(/per_device_train_batch_size=\d+/, 'per_device_train_batch_size=3');
    assert.notEqual(edited, base);
    extractPython(parser, base, { document: 'train.py' });
    const incremental = extractPython(parser, edited, { document: 'train.py' });
    const fresh = extractPython(parser, edited);
    assert.equal(incremental.microBatch?.value, 3);
    assert.deepEqual(JSON.parse(JSON.stringify(incremental)), JSON.parse(JSON.stringify(fresh)));
  });

  it('analyses a half-typed call in a document the same way as a one-off text', async () => {
    const deps = await loadDeps();
    const base = readFixture('hf_trainer_full.py');
    const typing = base.replace(/per_device_train_batch_size=\d+,/, 'per_device_train_batch_size=');
    analyzeText(base, 'typing.py', settings(), deps);
    const a = analyzeText(typing, 'typing.py', settings(), deps);
    const b = analyzeText(typing, 'other-name.py', settings(), deps);
    assert.ok(a.hyperparams.syntaxErrors.length > 0, 'the half-typed call is a syntax error');
    assert.deepEqual(
      a.findings.map((f) => f.message),
      b.findings.map((f) => f.message),
    );
    assert.equal(a.target.requiredBytes, b.target.requiredBytes);
  });
});
