// Files under a folder, for the benches that read real files at run time (bench:corpus, bench:extraction).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Every file below `dir`, sorted by name within each folder; unreadable folders are skipped. */
export function* walkFiles(dir: string, depth = 0): Generator<string> {
  if (depth > 12) return;
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const f of entries) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) yield* walkFiles(p, depth + 1);
    else yield p;
  }
}
