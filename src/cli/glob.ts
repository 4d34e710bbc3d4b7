// File patterns for `vram-lens check 'configs/**/*.yaml' 'train/*.py'`, without a dependency: Node 20
// has no stable fs.glob. Supports `*` and `?` (within one path segment), `**` (any number of
// segments, including none) and `{a,b}` alternatives; a pattern without any of these is a plain path.
// The walk skips node_modules, .git and other dot-folders unless the pattern names them.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const SKIPPED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv']);

export function hasMagic(pattern: string): boolean {
  return /[*?{]/.test(pattern);
}

/** `{a,b}c` -> [`ac`, `bc`] (nested braces expand too). */
function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  for (let i = open; i < pattern.length; i++) {
    if (pattern[i] === '{') depth++;
    else if (pattern[i] === '}' && --depth === 0) {
      const inner = pattern.slice(open + 1, i);
      const parts: string[] = [];
      let d = 0;
      let from = 0;
      for (let j = 0; j < inner.length; j++) {
        if (inner[j] === '{') d++;
        else if (inner[j] === '}') d--;
        else if (inner[j] === ',' && d === 0) {
          parts.push(inner.slice(from, j));
          from = j + 1;
        }
      }
      parts.push(inner.slice(from));
      const rest = pattern.slice(i + 1);
      return parts.flatMap((p) => expandBraces(pattern.slice(0, open) + p + rest));
    }
  }
  return [pattern]; // unbalanced: literal
}

/** One path segment (`*.py`, `train_?.yaml`) as a regular expression. */
function segmentRegex(segment: string): RegExp {
  let re = '';
  for (const ch of segment) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function listDir(dir: string): { name: string; isDir: boolean }[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).map((e) => {
      let isDir = e.isDirectory();
      if (e.isSymbolicLink()) {
        try {
          isDir = statSync(path.join(dir, e.name)).isDirectory();
        } catch {
          isDir = false;
        }
      }
      return { name: e.name, isDir };
    });
  } catch {
    return [];
  }
}

/**
 * Files matching one pattern, relative to cwd when the pattern is relative, sorted. Folders are
 * never returned. A pattern without wildcards is returned as it is (the caller reports it if missing).
 */
export function expandPattern(pattern: string, cwd = process.cwd()): string[] {
  if (!hasMagic(pattern)) return [pattern];
  const out = new Set<string>();
  for (const alt of expandBraces(pattern.replace(/\\/g, '/'))) {
    const absolute = alt.startsWith('/');
    const segments = alt.split('/').filter((s, i) => s !== '' || i === 0);
    // the literal prefix (folders without wildcards) is where the walk starts
    let i = 0;
    const prefix: string[] = [];
    while (i < segments.length - 1 && !hasMagic(segments[i])) prefix.push(segments[i++]);
    const base = absolute ? '/' + prefix.filter(Boolean).join('/') : prefix.join('/');
    const rest = segments.slice(i);
    walk(absolute ? base : path.join(cwd, base), base, rest, out);
  }
  return [...out].sort();
}

function walk(dirAbs: string, dirShown: string, rest: string[], out: Set<string>, seen = new Set<string>()): void {
  if (rest.length === 0) return;
  const [seg, ...tail] = rest;
  const join = (name: string) => (dirShown === '' || dirShown === '.' ? name : dirShown.endsWith('/') ? dirShown + name : `${dirShown}/${name}`);
  if (seg === '**') {
    // `**` matches no folder ...
    walk(dirAbs, dirShown, tail, out, seen);
    // ... or one more, recursively (skipping dependency and VCS folders, and loops through links)
    let real: string;
    try {
      const st = statSync(dirAbs);
      real = `${st.dev}:${st.ino}:${rest.length}`;
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    for (const e of listDir(dirAbs)) {
      if (!e.isDir || SKIPPED_DIRS.has(e.name) || e.name.startsWith('.')) continue;
      walk(path.join(dirAbs, e.name), join(e.name), rest, out, seen);
    }
    return;
  }
  const re = segmentRegex(seg);
  const last = tail.length === 0;
  for (const e of listDir(dirAbs)) {
    // `*` does not match dot-files unless the pattern segment starts with a dot (shell behaviour)
    if (e.name.startsWith('.') && !seg.startsWith('.')) continue;
    if (!re.test(e.name)) continue;
    if (last) {
      if (!e.isDir) out.add(join(e.name));
    } else if (e.isDir && !(hasMagic(seg) && SKIPPED_DIRS.has(e.name))) {
      walk(path.join(dirAbs, e.name), join(e.name), tail, out, seen);
    }
  }
}
