// npm run bench:extraction — the readers against 103 labelled real files (bench/extraction/labels-*.json,
// labelling rules in docs/labeling-real-files.md). Prints each file's misses (field: label vs
// product), the summary now next to the first look (bench/data/first-look.json, scored once on the engine
// before any change for this set), the same per format, and the unlabelled figures over the shared corpus
// of real configs (../shared/corpus): training configs, how many name a model, how many of those get an
// estimate. The files are not in the repository: scripts/fetch-extraction-files.mjs downloads them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { walkFiles } from './lib/files';
import { AnalysisDeps, analyzeText, DEFAULT_SETTINGS, fileKindOf, Report } from '../src/analysis/report';
import { detectConfigFormat, parseConfig } from '../src/analysis/extract/frameworks/index';
import { isMap } from '../src/analysis/extract/frameworks/tree';
import { listShellScripts, nodeAnalysisDeps, readSmallFile } from '../src/node-deps';
import { ExtractionSummary, FILES_DIR, FileScore, formatExtraction, Label, labels, scoreLabel, summarizeExtraction } from './lib/extraction';

const REPO = path.join(__dirname, '..', '..');
const FIRST_LOOK = path.join(REPO, 'bench', 'data', 'first-look.json');
const CORPUS = path.resolve(process.env.VRAM_LENS_CORPUS ?? path.join(REPO, '..', 'shared', 'corpus'));

/** The format a labelled file is written in: the kind, and for configs the dialect the reader detects. */
function formatOf(l: Label): string {
  const file = path.join(FILES_DIR, l.file);
  const kind = fileKindOf(file);
  if (kind === 'python') return 'python script';
  if (kind === 'notebook') return 'notebook';
  const text = readSmallFile(file);
  if (text === undefined) return `${kind} config`;
  try {
    const doc = parseConfig(text, kind === 'json' ? 'json' : 'yaml');
    const fmt = detectConfigFormat(doc);
    // task files (dstack, SkyPilot) launch training from their commands
    if (fmt === 'unknown' && isMap(doc.root) && doc.root.entries.some((e) => e.key === 'commands' || e.key === 'run')) return `${kind} task`;
    return `${kind} ${fmt}`;
  } catch {
    return `${kind} config`;
  }
}

const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** Why a file that names a model gets no estimate: the model as read and what resolving it said. */
function noEstimateReason(file: string, base: Parameters<typeof scoreLabel>[1]): string {
  const abs = path.join(FILES_DIR, file);
  const text = readSmallFile(abs);
  if (text === undefined) return 'missing';
  try {
    const r = analyzeText(text, abs, DEFAULT_SETTINGS, { ...base, workspaceRoot: path.join(FILES_DIR, file.split('/')[0]) });
    const why = r.model?.reason ?? r.findings.find((f) => f.code === 'vramLens.unknownModel')?.message ?? 'no model read';
    return `${r.model?.ref ?? '—'}: ${why.slice(0, 100)}${why.length > 100 ? '…' : ''}`;
  } catch (e) {
    return (e as Error).message;
  }
}

interface FirstLookRow {
  file: string;
  isTraining: boolean;
  productTraining: boolean;
  estimate: boolean;
  equal: number;
  fields: number;
  missing: boolean;
}

/** A summary of first-look rows (they keep counts, not values): the same figures as summarizeExtraction. */
function summarizeFirstLook(rows: FirstLookRow[], byFile: Map<string, Label>): ExtractionSummary {
  const present = rows.filter((r) => !r.missing);
  const naming = present.filter((r) => r.isTraining && !!byFile.get(r.file)?.fields.model);
  const training = present.filter((r) => r.isTraining);
  return {
    files: present.length,
    missing: rows.length - present.length,
    crashes: 0,
    trainingAgreement: present.filter((r) => r.isTraining === r.productTraining).length / Math.max(1, present.length),
    namingModel: naming.length,
    withEstimate: naming.filter((r) => r.estimate).length,
    values: training.reduce((a, r) => a + r.fields, 0),
    valuesEqual: training.reduce((a, r) => a + r.equal, 0),
    byField: {},
  };
}

async function corpusFigures(deps: Awaited<ReturnType<typeof nodeAnalysisDeps>>): Promise<void> {
  if (!existsSync(CORPUS)) {
    console.log(`\nshared corpus: no folder at ${CORPUS}; skipped.`);
    return;
  }
  const rows: { dir: string; training: boolean; names: boolean; estimate: boolean; crash: boolean }[] = [];
  for (const file of walkFiles(CORPUS)) {
    const kind = fileKindOf(file);
    if (kind === 'unknown') continue;
    const rel = path.relative(CORPUS, file);
    const dir = rel.split(path.sep)[0];
    const text = readSmallFile(file);
    if (text === undefined) continue;
    let r: Report;
    try {
      r = analyzeText(text, rel, DEFAULT_SETTINGS, { ...deps, workspaceRoot: CORPUS });
    } catch {
      rows.push({ dir, training: false, names: false, estimate: false, crash: true });
      continue;
    }
    rows.push({ dir, training: r.isTraining, names: r.isTraining && !!r.hyperparams.model, estimate: !!r.estimate, crash: false });
  }
  const line = (name: string, rs: typeof rows) => {
    const t = rs.filter((r) => r.training);
    const n = t.filter((r) => r.names);
    const e = n.filter((r) => r.estimate);
    const c = rs.filter((r) => r.crash).length;
    return `  ${name.padEnd(20)} ${String(rs.length).padStart(5)} files  ${String(t.length).padStart(4)} training  ${String(n.length).padStart(4)} name a model  ${String(e.length).padStart(4)} with an estimate (${n.length ? ((e.length / n.length) * 100).toFixed(1) : '0.0'}%)${c ? `  ${c} crashes` : ''}`;
  };
  console.log(`\nshared corpus (${CORPUS}, no labels):`);
  for (const dir of [...new Set(rows.map((r) => r.dir))].sort())
    console.log(
      line(
        dir,
        rows.filter((r) => r.dir === dir),
      ),
    );
  console.log(line('total', rows));
}

/** Each file's misses on one line: training or not, no estimate (and why), fields whose value differs. */
function printMisses(scores: FileScore[], base: AnalysisDeps): void {
  for (const s of scores) {
    if (s.missing) {
      console.log(`  ${s.file}: MISSING (run node scripts/fetch-extraction-files.mjs)`);
      continue;
    }
    const misses = s.isTraining ? s.fields.filter((f) => !f.equal) : [];
    const training = s.isTraining !== s.productTraining ? ` training ${s.isTraining} vs ${s.productTraining}` : '';
    const estimate = s.namesModel && !s.estimate ? ` no estimate (${noEstimateReason(s.file, base)})` : '';
    if (!misses.length && !training && !estimate && !s.crash) continue;
    const fields = misses.map((f) => `${f.field}: ${show(f.label)} vs ${show(f.product)}`).join('; ');
    console.log(`  ${s.file}${s.crash ? ` CRASH ${s.crash}` : ''}${training}${estimate}${fields ? ` — ${fields}` : ''}`);
  }
}

async function main(): Promise<number> {
  const all = labels();
  if (!all.length) {
    console.log('bench:extraction: no labels in bench/extraction/labels-*.json');
    return 2;
  }
  if (!existsSync(FILES_DIR)) {
    console.log(`bench:extraction: the labelled files are not here (${FILES_DIR}).`);
    console.log('They belong to their authors and are not in the repository; download them (network needed) with:');
    console.log('  node scripts/fetch-extraction-files.mjs');
    console.log('or point VRAM_LENS_EXTRACTION_FILES at a folder that holds them (<owner>__<repo>/<path>).');
    return 2;
  }
  const deps = await nodeAnalysisDeps(path.join(__dirname, '..'));
  const base = { ...deps, readFile: readSmallFile, listShellScripts };
  const byFile = new Map(all.map((l) => [l.file, l]));
  const scores: FileScore[] = all.map((l) => scoreLabel(l, base));
  const formats = new Map(all.map((l) => [l.file, formatOf(l)]));

  console.log('misses per file (field: label vs product):');
  printMisses(scores, base);

  const now = summarizeExtraction(scores);
  console.log('');
  console.log(formatExtraction('now', now));
  let firstRows: FirstLookRow[] | undefined;
  let firstSummary: ExtractionSummary | undefined;
  if (existsSync(FIRST_LOOK)) {
    const fl = JSON.parse(readFileSync(FIRST_LOOK, 'utf8')) as { engineCommit?: string; extraction?: { files: FirstLookRow[]; summary: ExtractionSummary } };
    if (fl.extraction) {
      firstRows = fl.extraction.files;
      firstSummary = fl.extraction.summary;
      console.log(formatExtraction(`first look (${(fl.engineCommit ?? '').slice(0, 7)})`, firstSummary));
    }
  }
  console.log('\nper field (now' + (firstSummary ? ' / first look' : '') + '):');
  for (const [field, b] of Object.entries(now.byField).sort((a, b) => b[1].n - a[1].n)) {
    const f = firstSummary?.byField[field];
    console.log(`  ${field.padEnd(22)} ${String(b.equal).padStart(3)}/${String(b.n).padEnd(3)}${f ? `   ${String(f.equal).padStart(3)}/${f.n}` : ''}`);
  }

  console.log('\nper format (the format the reader detects now; first look in brackets):');
  const pct = (a: number, b: number) => (b ? `${((a / b) * 100).toFixed(0)}%` : '—');
  const cell = (s: ExtractionSummary) => [
    `${(s.trainingAgreement * 100).toFixed(0)}%`,
    `${s.withEstimate}/${s.namingModel}`,
    `${s.valuesEqual}/${s.values} ${pct(s.valuesEqual, s.values)}`,
  ];
  const rows: string[][] = [['format', 'files', 'training agreement', 'estimate / naming a model', 'values equal']];
  for (const fmt of [...new Set(formats.values())].sort()) {
    const files = new Set([...formats].filter(([, f]) => f === fmt).map(([file]) => file));
    const n = cell(summarizeExtraction(scores.filter((s) => files.has(s.file))));
    const f = firstRows
      ? cell(
          summarizeFirstLook(
            firstRows.filter((r) => files.has(r.file)),
            byFile,
          ),
        )
      : undefined;
    rows.push([fmt, String(files.size), ...n.map((x, i) => (f ? `${x} [${f[i]}]` : x))]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log('  ' + r.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  '));

  laterSet(base, 'fresh');
  laterSet(base, 'third');
  await corpusFigures(base);
  return 0;
}

/** A later labelled set (labels-fresh.json, labels-third.json): files labelled after reader changes, never used to
 * change it; scored now and beside its first score (`--record-fresh` records it once). */
function laterSet(base: AnalysisDeps, set: 'fresh' | 'third'): void {
  const later = labels(set);
  if (!later.length) return;
  const scores = later.map((l) => scoreLabel(l, base));
  console.log(`\n${set} labelled set (bench/extraction/labels-${set}.json, labelled after the reader changes):`);
  printMisses(scores, base);
  const now = summarizeExtraction(scores);
  const FIRST = path.join(REPO, 'bench', 'extraction', `${set}-first-score.json`);
  if (existsSync(FIRST))
    console.log(formatExtraction(`${set}, first score`, (JSON.parse(readFileSync(FIRST, 'utf8')) as { summary: ExtractionSummary }).summary));
  console.log(formatExtraction(`${set}, now`, now));
  if (process.argv.includes('--record-fresh') && !existsSync(FIRST)) {
    writeFileSync(FIRST, JSON.stringify({ scored: new Date().toISOString(), summary: now, files: scores }, null, 1) + '\n');
    console.log(`recorded the first score in bench/extraction/${set}-first-score.json`);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e);
    process.exitCode = 2;
  },
);
