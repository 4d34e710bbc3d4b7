// Text edits that fixes make, in the file's own style (indentation, trailing commas), without
// reformatting anything else. Offsets are UTF-16 code units, like VS Code's.
import { CallSite, ImportInfo } from '../extract/hyperparams';
import { SourceSpan } from '../extract/source';

export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

/** Applies non-overlapping edits; inserts at the same offset keep their order. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const order = edits.map((e, i) => ({ e, i })).sort((a, b) => b.e.start - a.e.start || b.i - a.i);
  let out = text;
  for (const { e } of order) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/** Two edits that change overlapping text (inserts at one point do not conflict). */
export function overlapping(edits: TextEdit[]): boolean {
  const changes = edits.filter((e) => e.end > e.start).sort((a, b) => a.start - b.start);
  for (let i = 1; i < changes.length; i++) if (changes[i].start < changes[i - 1].end) return true;
  return edits.some((ins) => ins.end === ins.start && changes.some((c) => ins.start > c.start && ins.start < c.end));
}

/** Adds `name=value` as the call's last keyword argument. */
export function insertKeyword(site: CallSite, name: string, value: string): TextEdit {
  const kw = `${name}=${value}`;
  if (!site.hasArgs) return { start: site.lastArgEnd, end: site.lastArgEnd, newText: kw };
  if (site.argIndent !== null) {
    return site.trailingComma
      ? { start: site.lastArgEnd, end: site.lastArgEnd, newText: `\n${site.argIndent}${kw},` }
      : { start: site.lastArgEnd, end: site.lastArgEnd, newText: `,\n${site.argIndent}${kw}` };
  }
  return { start: site.lastArgEnd, end: site.lastArgEnd, newText: site.trailingComma ? ` ${kw}` : `, ${kw}` };
}

/** Sets a keyword argument: replaces `name=…` where it was read in this call, else inserts it. */
export function setKeyword(site: CallSite, name: string, value: string, readSpan?: SourceSpan): TextEdit {
  // the keyword as written in this call wins (it may not have been readable, e.g. `optim=name_from_env`)
  const written = site.keywords?.[name];
  const span = written ?? (readSpan && readSpan.start >= site.span.start && readSpan.end <= site.span.end ? readSpan : undefined);
  if (span) return { start: span.start, end: span.end, newText: `${name}=${value}` };
  return insertKeyword(site, name, value);
}

/** A line after the statement that holds the call, at the statement's indentation. */
export function insertLinesAfter(site: CallSite, lines: string[]): TextEdit {
  return { start: site.statementEnd, end: site.statementEnd, newText: lines.map((l) => `${site.statementIndent}${l}\n`).join('') };
}

/** `from module import name` (or `import name` when module is null) unless the name is bound already. */
export function ensureImport(imports: ImportInfo | undefined, name: string, module: string | null): TextEdit | null {
  if (imports?.names.includes(name)) return null;
  const at = imports?.insertAt ?? 0;
  return { start: at, end: at, newText: module ? `from ${module} import ${name}\n` : `import ${name}\n` };
}
