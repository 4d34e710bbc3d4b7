// The unified-diff writer (src/cli/diff.ts) that suggest_fixes uses: hand-written expected diffs for
// small cases, and `git apply` (an independent reader of the format) on random edits.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unifiedDiff } from '../../src/cli/diff';
import { mulberry32 } from './helpers';

const names = { oldName: 'a/t.py', newName: 'b/t.py' };

function gitApply(oldText: string, diff: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-diff-'));
  try {
    fs.writeFileSync(path.join(dir, 't.py'), oldText);
    fs.writeFileSync(path.join(dir, 'fix.diff'), diff);
    const r = spawnSync('git', ['apply', '--unidiff-zero', 'fix.diff'], { cwd: dir, encoding: 'utf8' });
    if (r.error) throw r.error;
    assert.equal(r.status, 0, `git apply failed: ${r.stderr}\n${diff}`);
    return fs.readFileSync(path.join(dir, 't.py'), 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('unified diff of a fix', () => {
  it('equal texts: no diff', () => {
    assert.equal(unifiedDiff('a\n', 'a\n', names), '');
  });

  it('one keyword added inside a call, three lines of context each side', () => {
    const before = [
      'import torch',
      'args = TrainingArguments(',
      '    output_dir="out",',
      '    per_device_train_batch_size=8,',
      '    bf16=True,',
      ')',
      'trainer.train()',
      '',
    ].join('\n');
    const after = before.replace('    bf16=True,\n', '    bf16=True,\n    gradient_checkpointing=True,\n');
    assert.equal(
      unifiedDiff(before, after, names),
      [
        '--- a/t.py',
        '+++ b/t.py',
        '@@ -3,5 +3,6 @@',
        '     output_dir="out",',
        '     per_device_train_batch_size=8,',
        '     bf16=True,',
        '+    gradient_checkpointing=True,',
        ' )',
        ' trainer.train()',
        '',
      ].join('\n'),
    );
  });

  it('a replaced value and an import at the top: two hunks when far apart, one when close', () => {
    const body = Array.from({ length: 12 }, (_, i) => `x${i} = ${i}`);
    const before = ['import os', ...body, 'optim="adamw_torch"', ''].join('\n');
    const after = ['from peft import LoraConfig', 'import os', ...body, 'optim="adamw_8bit"', ''].join('\n');
    assert.equal(
      unifiedDiff(before, after, names),
      [
        '--- a/t.py',
        '+++ b/t.py',
        '@@ -1,3 +1,4 @@',
        '+from peft import LoraConfig',
        ' import os',
        ' x0 = 0',
        ' x1 = 1',
        '@@ -11,4 +12,4 @@',
        ' x9 = 9',
        ' x10 = 10',
        ' x11 = 11',
        '-optim="adamw_torch"',
        '+optim="adamw_8bit"',
        '',
      ].join('\n'),
    );
    const close = ['import os', 'a = 1', 'b = 2', 'optim="adamw_torch"', ''].join('\n');
    const closeAfter = ['from peft import LoraConfig', 'import os', 'a = 1', 'b = 2', 'optim="adamw_8bit"', ''].join('\n');
    assert.equal(
      unifiedDiff(close, closeAfter, names),
      [
        '--- a/t.py',
        '+++ b/t.py',
        '@@ -1,4 +1,5 @@',
        '+from peft import LoraConfig',
        ' import os',
        ' a = 1',
        ' b = 2',
        '-optim="adamw_torch"',
        '+optim="adamw_8bit"',
        '',
      ].join('\n'),
    );
  });

  it('a file without a final newline is marked as diff -u marks it', () => {
    assert.equal(
      unifiedDiff('a\nb', 'a\nc', names),
      ['--- a/t.py', '+++ b/t.py', '@@ -1,2 +1,2 @@', ' a', '-b', '\\ No newline at end of file', '+c', '\\ No newline at end of file', ''].join('\n'),
    );
    assert.equal(
      unifiedDiff('a\nb', 'a\nb\n', names),
      ['--- a/t.py', '+++ b/t.py', '@@ -1,2 +1,2 @@', ' a', '-b', '\\ No newline at end of file', '+b', ''].join('\n'),
    );
    assert.equal(unifiedDiff('', 'x\n', names), ['--- a/t.py', '+++ b/t.py', '@@ -0,0 +1 @@', '+x', ''].join('\n'));
  });

  it('random edits of random files: git apply turns the old text into the new one', function () {
    this.timeout(60_000);
    const rnd = mulberry32(9);
    const words = ['a', 'b', 'c', 'model = x', '    bf16=True,', ')', ''];
    for (let n = 0; n < 40; n++) {
      const lines = Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => words[Math.floor(rnd() * words.length)]);
      const before = lines.join('\n') + (rnd() < 0.8 ? '\n' : '');
      const edited = [...lines];
      for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
        const at = Math.floor(rnd() * (edited.length + 1));
        const op = rnd();
        if (op < 0.4) edited.splice(at, 0, `new ${k}`);
        else if (op < 0.7 && edited.length > 1) edited.splice(Math.min(at, edited.length - 1), 1);
        else edited[Math.min(at, edited.length - 1)] = `changed ${k}`;
      }
      const after = edited.join('\n') + (rnd() < 0.8 ? '\n' : '');
      const diff = unifiedDiff(before, after, names);
      if (before === after) {
        assert.equal(diff, '');
        continue;
      }
      assert.equal(gitApply(before, diff), after, `case ${n}\n${diff}`);
    }
  });
});
