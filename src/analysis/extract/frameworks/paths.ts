// POSIX-style path helpers for the engine (no node:path, so src/analysis stays usable outside Node).
// Windows paths are read with forward slashes; "C:/x" counts as absolute.

export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p);
}

export function normalizePath(p: string): string {
  const s = p.replace(/\\/g, '/');
  const drive = /^[A-Za-z]:/.exec(s)?.[0] ?? '';
  const rest = s.slice(drive.length);
  const abs = rest.startsWith('/');
  const out: string[] = [];
  for (const seg of rest.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(seg);
  }
  return drive + (abs ? '/' : '') + out.join('/');
}

export function joinPath(base: string, rel: string): string {
  if (isAbsolutePath(rel)) return normalizePath(rel);
  return normalizePath(`${base}/${rel}`);
}

export function dirnameOf(p: string): string {
  const s = normalizePath(p);
  const i = s.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return s.slice(0, i);
}

/** `p` relative to `base` when it is inside it, else `p` unchanged. */
export function relativeTo(base: string, p: string): string {
  const b = normalizePath(base);
  const s = normalizePath(p);
  if (b && s.startsWith(b.endsWith('/') ? b : b + '/')) return s.slice(b.length + (b.endsWith('/') ? 0 : 1));
  return s;
}
