// `vram-lens check --format github`: workflow commands that GitHub Actions turns into annotations.
// Expected lines are written by hand (test/fixtures/check/formats/entries.github.txt) from GitHub's
// documented syntax: `::error file=F,line=L,endLine=E,col=C,endColumn=D,title=T::message`, with `%`,
// CR and LF escaped in messages and additionally `:` and `,` in property values.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import path from 'node:path';
import { CheckEntry } from '../../src/cli/entry';
import { annotation, escapeData, escapeProperty, githubLines } from '../../src/cli/github';
import { repoRoot } from './helpers';

const CLI = path.join(repoRoot, 'dist', 'cli.js');
const FORMATS = path.join(repoRoot, 'test', 'fixtures', 'check', 'formats');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('GitHub workflow-command annotations', () => {
  it('escapes messages and property values as the Actions toolkit does', () => {
    assert.equal(escapeData('50% done\r\nnext: a, b'), '50%25 done%0D%0Anext: a, b');
    assert.equal(escapeProperty('50% done\r\nnext: a, b'), '50%25 done%0D%0Anext%3A a%2C b');
    assert.equal(annotation('notice', [], 'plain'), '::notice::plain');
    assert.equal(
      annotation(
        'warning',
        [
          ['file', 'a,b.py'],
          ['line', 3],
        ],
        'x',
      ),
      '::warning file=a%2Cb.py,line=3::x',
    );
  });

  it('hand-written entries give the hand-written lines: every status, escaping, multi-line span, hints left out', () => {
    const entries = JSON.parse(fs.readFileSync(path.join(FORMATS, 'entries.json'), 'utf8')) as CheckEntry[];
    const expected = fs
      .readFileSync(path.join(FORMATS, 'entries.github.txt'), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    assert.deepEqual(githubLines(entries), expected);
  });

  it('a newline in a file name cannot start a workflow command', () => {
    const out = githubLines([{ file: 'a\n::error::pwned.py', status: 'skip', summary: 'x', findings: [] }]);
    assert.equal(out.length, 1);
    assert.ok(!out[0].includes('\n'));
  });

  describe('end to end (dist/cli.js check --format github)', () => {
    it('a file without a training job and a missing file: exact lines', () => {
      const r = run(['check', 'test/fixtures/check/train/data_utils.py', 'test/fixtures/check/no_such.py', '--format', 'github']);
      assert.equal(r.code, 2);
      assert.equal(
        r.stdout,
        [
          'SKIP test/fixtures/check/train/data_utils.py: no training job found (no trainer, optimizer, PEFT config or batch size): nothing to check',
          'ERROR test/fixtures/check/no_such.py: no such file',
          '::error file=test/fixtures/check/no_such.py,title=Cannot check::no such file',
          '',
        ].join('\n'),
      );
    });

    it('the unresolved model: an error annotation on the model id (line 4, columns of the string literal)', () => {
      // test/fixtures/check/train/unknown_model.py line 4:
      // model = AutoModelForCausalLM.from_pretrained("example-org/private-model-7b")
      //                                              ^ column 46 (1-based)           ^ column 76 = end, exclusive
      const r = run(['check', 'test/fixtures/check/train/unknown_model.py', '--format', 'github']);
      assert.equal(r.code, 2);
      const out = r.stdout.split('\n').filter((l) => l !== '');
      assert.equal(out.length, 2, r.stdout);
      assert.match(out[0], /^ERROR test\/fixtures\/check\/train\/unknown_model\.py: /);
      assert.match(
        out[1],
        /^::error file=test\/fixtures\/check\/train\/unknown_model\.py,line=4,col=46,endColumn=76,title=Unknown model::Model "example-org\/private-model-7b" /,
      );
    });

    it('the job that does not fit: its error sits where analyze --json puts the vramLens.oom diagnostic', () => {
      const file = 'test/fixtures/check/train/full_8b.py';
      const json = JSON.parse(run(['analyze', '--json', file]).stdout) as { diagnostics: { code: string; line: number; column: number; message: string }[] }[];
      const oom = json[0].diagnostics.find((d) => d.code === 'vramLens.oom')!;
      assert.ok(oom, 'analyze reports vramLens.oom');
      const r = run(['check', file, '--format', 'github']);
      assert.equal(r.code, 1);
      const out = r.stdout.split('\n').filter((l) => l !== '');
      assert.match(out[0], /^FAIL /);
      const error = out.find((l) => l.startsWith('::error '));
      assert.ok(error, r.stdout);
      assert.ok(error.startsWith(`::error file=${file},line=${oom.line},col=${oom.column},`), error);
      assert.ok(error.includes(`,title=Out of GPU memory::${escapeData(oom.message)}`), error);
      assert.match(error, /%0ASuggested fix: .*\(fits/);
    });
  });
});
