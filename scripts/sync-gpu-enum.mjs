#!/usr/bin/env node
// Regenerates the `vramLens.targetGpu` enum of package.json (ids, with memory and $/h as enumDescriptions)
// from src/analysis/hardware/gpus.json. Only that one property's text is replaced; the rest of package.json
// keeps its bytes.
//   node scripts/sync-gpu-enum.mjs           update package.json
//   node scripts/sync-gpu-enum.mjs --check   exit 1 (and say what differs) when package.json is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PKG = path.join(ROOT, 'package.json');
const GPUS = path.join(ROOT, 'src', 'analysis', 'hardware', 'gpus.json');
const KEY = '"vramLens.targetGpu"';

/** "H100 SXM 80GB · 79.7 GiB · $3.50/h (2026-11)" */
export function enumDescription(g) {
  const price = g.priceUsdPerHour != null ? `$${g.priceUsdPerHour.toFixed(2)}/h${g.priceDate ? ` (${g.priceDate})` : ''}` : 'no default price';
  return `${g.name} · ${g.memoryGiB.toFixed(1)} GiB · ${price}`;
}

/** [start, end) of the JSON object that follows `key` in `text` (string-aware brace matching). */
function objectSpan(text, key) {
  const k = text.indexOf(key);
  if (k < 0) throw new Error(`${key} not found in package.json`);
  const start = text.indexOf('{', k + key.length);
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return [start, i + 1];
  }
  throw new Error(`unbalanced braces after ${key}`);
}

const gpus = JSON.parse(readFileSync(GPUS, 'utf8')).gpus;
const text = readFileSync(PKG, 'utf8');
const [start, end] = objectSpan(text, KEY);
const current = JSON.parse(text.slice(start, end));
const wanted = { ...current, enum: gpus.map((g) => g.id), enumDescriptions: gpus.map(enumDescription) };
const lineStart = text.lastIndexOf('\n', start) + 1;
const indent = /^\s*/.exec(text.slice(lineStart))[0];
const rendered = JSON.stringify(wanted, null, 2).replace(/\n/g, `\n${indent}`);

if (process.argv.includes('--check')) {
  const same =
    JSON.stringify(current.enum) === JSON.stringify(wanted.enum) && JSON.stringify(current.enumDescriptions) === JSON.stringify(wanted.enumDescriptions);
  if (!same) {
    const have = new Set(current.enum ?? []);
    const missing = wanted.enum.filter((id) => !have.has(id));
    const extra = (current.enum ?? []).filter((id) => !wanted.enum.includes(id));
    console.error(
      `package.json vramLens.targetGpu is out of date with gpus.json${missing.length ? `; missing: ${missing.join(', ')}` : ''}${extra.length ? `; not in the catalog: ${extra.join(', ')}` : ''}${!missing.length && !extra.length ? '; order or descriptions differ' : ''}. Run: node scripts/sync-gpu-enum.mjs`,
    );
    process.exit(1);
  }
  console.log(`package.json vramLens.targetGpu lists the ${wanted.enum.length} GPUs of gpus.json`);
} else {
  const next = text.slice(0, start) + rendered + text.slice(end);
  if (next !== text) writeFileSync(PKG, next);
  console.log(`${next !== text ? 'updated' : 'unchanged'}: vramLens.targetGpu enum with ${wanted.enum.length} GPUs`);
}
