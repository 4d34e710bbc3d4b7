#!/usr/bin/env node
// Downloads the labelled real files of bench:extraction from their public repositories. The files stay
// with their authors (they are not in this repository); each label's `source` says where it lives:
// owner/repo@commit:path -> https://raw.githubusercontent.com/<owner>/<repo>/<commit>/<path>, saved as
// bench/extraction/files/<owner>__<repo>/<path>. Files already there are kept. Needs network access.
//   node scripts/fetch-extraction-files.mjs [--force]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'bench', 'extraction');
const out = process.env.VRAM_LENS_EXTRACTION_FILES ?? path.join(dir, 'files');
const force = process.argv.includes('--force');
const TIMEOUT_MS = 20_000;

const labels = ['labels-scripts.json', 'labels-configs.json', 'labels-fresh.json', 'labels-third.json'].flatMap((f) =>
  existsSync(path.join(dir, f)) ? JSON.parse(readFileSync(path.join(dir, f), 'utf8')) : [],
);

/** owner/repo@commit:path -> its raw URL and the local path (<owner>__<repo>/<path>). */
function locate(source) {
  const m = /^([\w.-]+)\/([\w.-]+)@([0-9a-f]{7,40}|[\w./-]+?):(.+)$/.exec(source ?? '');
  if (!m) return undefined;
  const [, owner, repo, commit, file] = m;
  const encoded = file.split('/').map(encodeURIComponent).join('/');
  return { url: `https://raw.githubusercontent.com/${owner}/${repo}/${commit}/${encoded}`, local: path.join(out, `${owner}__${repo}`, ...file.split('/')) };
}

let fetched = 0;
let kept = 0;
const failed = [];
// each label's file, then the files it needs beside it (a launch script, a linked DeepSpeed config): `companions`
const sources = [...new Set(labels.flatMap((l) => [l.source, ...(l.companions ?? [])]))];
for (const source of sources) {
  const where = locate(source);
  if (!where) {
    failed.push(`source "${source}" is not owner/repo@commit:path`);
    continue;
  }
  if (existsSync(where.local) && !force) {
    kept++;
    continue;
  }
  try {
    const res = await fetch(where.url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    mkdirSync(path.dirname(where.local), { recursive: true });
    writeFileSync(where.local, body);
    fetched++;
  } catch (e) {
    failed.push(`${where.url}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
console.log(`fetch-extraction-files: ${fetched} downloaded, ${kept} already there, ${failed.length} failed (into ${path.relative(root, out) || out})`);
for (const f of failed) console.log(`  ${f}`);
process.exitCode = failed.length ? 1 : 0;
