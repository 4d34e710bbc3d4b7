// `vram-lens check --format sarif`: validated with ajv against the OASIS SARIF 2.1.0 JSON schemas
// (test/fixtures/sarif/README.md says where they come from), on real output and on hand-written
// entries; rules are the diagnostic codes; results sit on the lines analyze --json reports; a fix,
// applied as SARIF describes it, gives a file that the engine then finds fitting.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { CheckEntry } from '../../src/cli/entry';
import { sarifLog } from '../../src/cli/sarif';
import { repoRoot } from './helpers';

const CLI = path.join(repoRoot, 'dist', 'cli.js');
const SCHEMAS = path.join(repoRoot, 'test', 'fixtures', 'sarif');

function run(args: string[], cwd = repoRoot) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId?: string };
      region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
    };
  }[];
  relatedLocations?: unknown[];
  fixes?: {
    description: { text: string };
    artifactChanges: { replacements: { deletedRegion: { charOffset: number; charLength: number }; insertedContent: { text: string } }[] }[];
  }[];
}
interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string; defaultConfiguration: { level: string } }[] } };
    results: SarifResult[];
    invocations: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; message: { text: string } }[] }[];
  }[];
}

/** The draft-07 schema as published, and the normative errata-01 schema (draft-04 `id` read as `$id`). */
function validators(): { draft07: ValidateFunction; errata01: ValidateFunction } {
  // unicodeRegExp off: the schemas' language pattern "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" has a stray
  // `]` that only the non-unicode RegExp syntax accepts (as a literal), like the validators of draft-07's time
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const d7 = JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'sarif-schema-2.1.0.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(d7.$schema, 'http://json-schema.org/draft-07/schema#');
  const e1Text = fs.readFileSync(path.join(SCHEMAS, 'sarif-schema-2.1.0-errata01.json'), 'utf8');
  // draft-04 keywords that draft-07 reads differently would make the conversion unsound: there are none
  assert.ok(!/"exclusiveM(in|ax)imum"\s*:\s*(true|false)/.test(e1Text));
  const e1 = JSON.parse(e1Text) as Record<string, unknown>;
  assert.equal(e1.$schema, 'http://json-schema.org/draft-04/schema#');
  const { $schema: _drop, id, ...rest } = e1;
  void _drop;
  return { draft07: ajv.compile(d7), errata01: ajv.compile({ $id: id as string, ...rest }) };
}

function assertValid(v: ValidateFunction, log: unknown, what: string) {
  const ok = v(log);
  assert.ok(ok, `${what}: ${JSON.stringify(v.errors?.slice(0, 5), null, 1)}`);
}

/** The engine's diagnostic codes, read from the FindingCode type in src/analysis/report.ts. */
function findingCodes(): string[] {
  const src = fs.readFileSync(path.join(repoRoot, 'src', 'analysis', 'report.ts'), 'utf8');
  const decl = /export type FindingCode =([^;]+);/.exec(src);
  assert.ok(decl, 'report.ts declares FindingCode');
  return [...decl[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

describe('SARIF 2.1.0 output', () => {
  let v: ReturnType<typeof validators>;
  before(() => {
    v = validators();
  });

  it('the validators reject invalid logs (so that passing means something)', () => {
    const good = sarifLog([], { version: '0.1.0', cwd: repoRoot });
    assertValid(v.draft07, good, 'empty log');
    for (const broken of [
      { ...good, version: '2.0.0' },
      { ...good, runs: [{ tool: { driver: {} }, results: [] }] }, // driver.name is required
      { ...good, runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] },
    ]) {
      assert.equal(v.draft07(broken), false);
      assert.equal(v.errata01(broken), false);
    }
  });

  it('check on every fixture and example: valid against both schemas; rules are the diagnostic codes', () => {
    const r = run(['check', 'examples/*.py', 'test/fixtures/check/**/*.{py,yaml,yml}', 'test/fixtures/python/*.py', 'missing.py', '--format', 'sarif']);
    assert.equal(r.code, 2);
    const log = JSON.parse(r.stdout) as SarifLog;
    assertValid(v.draft07, log, 'draft-07 schema');
    assertValid(v.errata01, log, 'errata 01 schema');
    assert.equal(log.version, '2.1.0');
    const run0 = log.runs[0];
    assert.equal(run0.tool.driver.name, 'VRAM Lens');
    // one rule per diagnostic code of the engine, each described (not the fallback for codes added later)
    const codes = findingCodes();
    assert.ok(codes.length >= 7 && codes.includes('vramLens.oom'), codes.join());
    assert.deepEqual(run0.tool.driver.rules.map((x) => x.id).sort(), [...codes].sort());
    for (const rule of run0.tool.driver.rules as unknown as { id: string; shortDescription: { text: string } }[])
      assert.notEqual(rule.shortDescription.text, rule.id, `${rule.id} has a description in src/cli/sarif.ts`);
    assert.equal(run0.tool.driver.rules.find((x) => x.id === 'vramLens.oom')!.defaultConfiguration.level, 'error');
    for (const res of run0.results) {
      assert.equal(run0.tool.driver.rules[res.ruleIndex!].id, res.ruleId);
      assert.ok(res.locations[0].physicalLocation.region.startLine >= 1);
    }
    assert.ok(run0.results.some((x) => x.ruleId === 'vramLens.oom' && x.level === 'error'));
    assert.ok(run0.results.some((x) => x.ruleId === 'vramLens.tight' && x.level === 'warning'));
    // files that could not be checked are notifications, not results
    assert.equal(run0.invocations[0].executionSuccessful, false);
    assert.ok(run0.invocations[0].toolExecutionNotifications.some((n) => n.level === 'error' && n.message.text === 'missing.py: no such file'));
    assert.ok(!run0.results.some((x) => x.ruleId === 'vramLens.unsupported'));
  });

  it('hand-written entries (related locations, a fix, odd file names, an absolute path): valid', () => {
    const entries = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'check', 'formats', 'entries.json'), 'utf8')) as CheckEntry[];
    entries.push({ file: '/abs/dir with space/t#1.py', status: 'pass', summary: 's', findings: [{ ...entries[0].findings[1], related: [] }] });
    const log = sarifLog(entries, { version: '0.1.0', cwd: '/work/repo with space' }) as unknown as SarifLog;
    assertValid(v.draft07, log, 'draft-07 schema');
    assertValid(v.errata01, log, 'errata 01 schema');
    const results = log.runs[0].results;
    // the hint is left out: error, note, warning, note (promoted nowhere: SARIF keeps the finding's own level), note
    assert.deepEqual(
      results.map((x) => x.level),
      ['error', 'note', 'warning', 'note', 'note'],
    );
    const uris = results.map((x) => x.locations[0].physicalLocation.artifactLocation.uri);
    assert.deepEqual(uris, [
      'train/full.py',
      'train/full.py',
      'train/lora%2C%20v2%3A%20final.py',
      'train/private.py',
      'file:///abs/dir%20with%20space/t%231.py',
    ]);
    assert.deepEqual(results[0].locations[0].physicalLocation.region, { startLine: 25, startColumn: 5, endLine: 25, endColumn: 35 });
    assert.equal(results[0].relatedLocations?.length, 1);
    assert.deepEqual(results[0].fixes?.[0].artifactChanges[0].replacements, [
      { deletedRegion: { charOffset: 712, charLength: 0 }, insertedContent: { text: '\n    gradient_checkpointing=True,' } },
    ]);
  });

  it('the out-of-memory result sits on the line analyze --json reports, with a relative URI', () => {
    const file = 'test/fixtures/check/train/full_8b.py';
    const json = JSON.parse(run(['analyze', '--json', file]).stdout) as { diagnostics: { code: string; line: number; column: number }[] }[];
    const oom = json[0].diagnostics.find((d) => d.code === 'vramLens.oom')!;
    const log = JSON.parse(run(['check', file, '--format', 'sarif']).stdout) as SarifLog;
    const res = log.runs[0].results.find((x) => x.ruleId === 'vramLens.oom')!;
    assert.equal(res.locations[0].physicalLocation.artifactLocation.uri, file);
    assert.equal(res.locations[0].physicalLocation.artifactLocation.uriBaseId, '%SRCROOT%');
    assert.equal(res.locations[0].physicalLocation.region.startLine, oom.line);
    assert.equal(res.locations[0].physicalLocation.region.startColumn, oom.column);
  });

  it('the fix, applied as its replacements say, gives a file that the engine finds fitting', () => {
    const file = 'test/fixtures/check/train/full_8b.py';
    const log = JSON.parse(run(['check', file, '--format', 'sarif']).stdout) as SarifLog;
    const fix = log.runs[0].results.find((x) => x.ruleId === 'vramLens.oom')!.fixes?.[0];
    assert.ok(fix, 'a sufficient fix exists for an 8B full fine-tune on an 80 GB GPU (e.g. QLoRA)');
    let text = fs.readFileSync(path.join(repoRoot, file), 'utf8');
    const reps = fix.artifactChanges[0].replacements
      .map((x, i) => ({ ...x, i }))
      .sort((a, b) => b.deletedRegion.charOffset - a.deletedRegion.charOffset || b.i - a.i);
    for (const x of reps)
      text = text.slice(0, x.deletedRegion.charOffset) + x.insertedContent.text + text.slice(x.deletedRegion.charOffset + x.deletedRegion.charLength);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vram-lens-fix-'));
    try {
      fs.writeFileSync(path.join(tmp, 'fixed.py'), text);
      const after = run(['check', 'fixed.py'], tmp);
      assert.equal(after.code, 0, `${fix.description.text}\n${after.stdout}\n${text}`);
      assert.match(after.stdout, /^PASS fixed\.py: /);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
