// Jupyter notebooks: the code cells, in order, read as one Python program. IPython magics and shell
// escapes (%pip, !pip, %%bash cells, `x = !ls`) are commented out character for character, so every
// offset of the joined program maps back to its cell and line, and from there to the .ipynb file.
import { parseJsonConfig, decodeJsonString } from './json';
import { CNode, entryOf, isMap } from './frameworks/tree';
import { LineIndex, SourceSpan } from './source';

export interface NotebookCell {
  kind: 'code' | 'markdown' | 'raw';
  source: string;
  /** the cell's language when the notebook or editor says (VS Code cells: languageId) */
  language?: string;
  /** cells read from an .ipynb: the file offset of every source character (and one past the end) */
  fileOffsets?: number[];
}

export interface CellSegment {
  /** index among the notebook's cells (markdown included), as the editor numbers them */
  cell: number;
  /** where the cell's source sits in the joined program */
  start: number;
  end: number;
  /** 0-based line of the joined program where the cell starts */
  line: number;
}

export interface JoinedNotebook {
  text: string;
  segments: CellSegment[];
  /** shell commands of the cells (`!cmd`, `%%bash` bodies), in order: a notebook may launch its training */
  shell?: { text: string; span: SourceSpan; cell: number; cwd?: string }[];
}

// Cell magics whose body is still Python (IPython built-ins): only the magic line is commented out.
const PYTHON_BODY_MAGICS = /^%%(time|timeit|capture|prun|debug|memit)\b/;

/** Comments out IPython-only lines without changing any offset: the first non-blank character becomes '#'. */
export function neutralizeMagics(source: string): string {
  const lines = source.split('\n');
  const first = lines[0]?.trimStart() ?? '';
  const cellMagic = first.startsWith('%%');
  const wholeCell = cellMagic && !PYTHON_BODY_MAGICS.test(first);
  let continued = false;
  return lines
    .map((l, i) => {
      const t = l.trimStart();
      const magic =
        continued || // the continuation lines of `!cmd \`
        (cellMagic && (i === 0 || wholeCell)) ||
        /^[%!]/.test(t) ||
        /^[\w.,\s]+=\s*[%!]/.test(t) || // x = !ls, out = %time f()
        (/^[\w.]+\?{1,2}\s*$/.test(t) && !t.startsWith('#')); // obj? / obj?? help
      continued = magic && /\\\s*$/.test(l);
      if (!magic || t === '') return l;
      const at = l.length - t.length;
      return l.slice(0, at) + '#' + l.slice(at + 1);
    })
    .join('\n');
}

function isPython(cell: NotebookCell, notebookLanguage?: string): boolean {
  if (cell.kind !== 'code') return false;
  const lang = (cell.language ?? notebookLanguage ?? 'python').toLowerCase();
  return lang === 'python' || lang === 'python3' || lang === 'ipython' || lang === 'ipython3';
}

/** The code cells joined with newlines (each starts a line), magics neutralized. */
export function joinCells(cells: NotebookCell[], notebookLanguage?: string): JoinedNotebook {
  let text = '';
  let line = 0;
  const segments: CellSegment[] = [];
  const shell: { text: string; start: number; end: number; cell: number; cwd?: string }[] = [];
  let cwd: string | undefined;
  cells.forEach((c, i) => {
    if (!isPython(c, notebookLanguage)) return;
    if (text.length) {
      text += '\n';
      line++;
    }
    const raw = c.source.replace(/\r\n?/g, (m) => (m.length === 2 ? ' \n' : '\n'));
    const src = neutralizeMagics(raw);
    segments.push({ cell: i, start: text.length, end: text.length + src.length, line });
    for (const sh of shellOf(raw)) {
      if (sh.cd !== undefined) cwd = sh.cd.startsWith('/') ? sh.cd : cwd ? `${cwd}/${sh.cd}` : sh.cd;
      else shell.push({ text: sh.text, start: text.length + sh.start, end: text.length + sh.end, cell: i, ...(cwd ? { cwd } : {}) });
    }
    text += src;
    for (let k = 0; k < src.length; k++) if (src.charCodeAt(k) === 10) line++;
  });
  const lines = new LineIndex(text);
  return { text, segments, shell: shell.map((s) => ({ text: s.text, span: lines.span(s.start, s.end), cell: s.cell, ...(s.cwd ? { cwd: s.cwd } : {}) })) };
}

/**
 * The shell commands of a cell's source, with their offsets in it: `!cmd` lines (with their `\`
 * continuations, the `!` removed) as one shell session per cell, `%%bash` / `%%sh` / `%%script bash` bodies,
 * and `%cd dir` (IPython's persistent working directory).
 */
function shellOf(src: string): { text: string; start: number; end: number; cd?: string }[] {
  const out: { text: string; start: number; end: number; cd?: string }[] = [];
  const first = src.trimStart();
  if (/^%%(bash|sh|script\s+(bash|sh))\b/.test(first)) {
    const nl = src.indexOf('\n');
    if (nl >= 0) out.push({ text: src.slice(nl + 1), start: nl + 1, end: src.length });
    return out;
  }
  if (first.startsWith('%%')) return out;
  const lines = src.split('\n');
  let offset = 0;
  let cur: { text: string[]; start: number; end: number } | undefined;
  let continued = false;
  for (const l of lines) {
    const t = l.trimStart();
    const at = offset + (l.length - t.length);
    if (continued && cur) {
      cur.text.push(l);
      cur.end = offset + l.length;
    } else if (/^%cd\s+\S/.test(t)) {
      out.push({
        text: '',
        start: at,
        end: offset + l.length,
        cd: t
          .slice(3)
          .trim()
          .replace(/^["']|["']$/g, ''),
      });
    } else if (t.startsWith('!')) {
      cur ??= { text: [], start: at, end: at };
      cur.text.push(t.slice(1));
      cur.end = offset + l.length;
    }
    continued = !!cur && /\\\s*$/.test(l) && (continued || t.startsWith('!'));
    offset += l.length + 1;
  }
  if (cur) out.push({ text: cur.text.join('\n'), start: cur.start, end: cur.end });
  return out;
}

/** The segment that holds a joined-program offset (the last one for offsets past the end). */
export function segmentAt(j: JoinedNotebook, offset: number): CellSegment | undefined {
  let found: CellSegment | undefined;
  for (const s of j.segments) {
    if (s.start <= offset) found = s;
    else break;
  }
  return found;
}

/** A span of the joined program in its cell's own coordinates (clamped to that cell). */
export function spanInCell(j: JoinedNotebook, s: SourceSpan): { cell: number; span: SourceSpan } | undefined {
  const seg = segmentAt(j, s.start);
  if (!seg) return undefined;
  const start = Math.min(s.start, seg.end) - seg.start;
  const end = Math.min(Math.max(s.end, s.start), seg.end) - seg.start;
  const cellText = j.text.slice(seg.start, seg.end);
  const idx = new LineIndex(cellText);
  return { cell: seg.cell, span: idx.span(start, end) };
}

/** Reads the cells of an .ipynb (nbformat 4; also 3's worksheets). Never throws. */
export function parseIpynb(text: string): { cells: NotebookCell[]; language?: string; error?: string } {
  const doc = parseJsonConfig(text);
  const root = doc.root;
  if (!isMap(root)) return { cells: [], error: 'not a notebook (no JSON object)' };
  const lang =
    entryOf(entryOf(entryOf(root, 'metadata')?.value, 'kernelspec')?.value, 'language')?.value ??
    entryOf(entryOf(entryOf(root, 'metadata')?.value, 'language_info')?.value, 'name')?.value;
  const language = lang?.kind === 'scalar' && typeof lang.value === 'string' ? lang.value : undefined;
  let cellsNode = entryOf(root, 'cells')?.value;
  if (!cellsNode) {
    // nbformat 3: worksheets[0].cells, source under "input"
    const ws = entryOf(root, 'worksheets')?.value;
    if (ws?.kind === 'seq' && ws.items[0]) cellsNode = entryOf(ws.items[0], 'cells')?.value;
  }
  if (!cellsNode || cellsNode.kind !== 'seq')
    return { cells: [], language, error: doc.errors.length ? `the notebook JSON is damaged (${doc.errors[0].message})` : 'no cells' };
  const cells: NotebookCell[] = [];
  for (const c of cellsNode.items) {
    if (!isMap(c)) continue;
    const typeNode = entryOf(c, 'cell_type')?.value;
    const type = typeNode?.kind === 'scalar' ? String(typeNode.value) : 'code';
    const kind = type === 'code' ? 'code' : type === 'markdown' ? 'markdown' : 'raw';
    const src = entryOf(c, 'source')?.value ?? entryOf(c, 'input')?.value;
    const { source, offsets } = sourceOf(text, src);
    const mdLang = entryOf(entryOf(c, 'metadata')?.value, 'vscode')?.value;
    const cellLang = entryOf(mdLang, 'languageId')?.value;
    cells.push({
      kind,
      source,
      fileOffsets: offsets,
      ...(cellLang?.kind === 'scalar' && typeof cellLang.value === 'string' ? { language: cellLang.value } : {}),
    });
  }
  return { cells, language };
}

/** A cell's source (a string or a list of line strings) with the file offset of every character. */
function sourceOf(text: string, n: CNode | undefined): { source: string; offsets: number[] } {
  const parts = n?.kind === 'seq' ? n.items : n ? [n] : [];
  let source = '';
  const offsets: number[] = [];
  let last = n?.span.start ?? 0;
  for (const p of parts) {
    if (p.kind !== 'scalar' || typeof p.value !== 'string' || !p.quoted) continue;
    const d = decodeJsonString(text, p.span.start);
    source += d.value;
    // one push per character: a spread of a long cell's offsets overflows the call stack
    for (let i = 0; i < d.value.length; i++) offsets.push(d.offsets[i]);
    last = d.offsets[d.value.length];
  }
  offsets.push(last);
  return { source, offsets };
}

/**
 * A joined-program span -> the same place in the .ipynb file, through the cell's character offsets.
 * Spans that cross cells end at the end of the first one.
 */
export function spanInFile(j: JoinedNotebook, cells: NotebookCell[], fileLines: LineIndex, s: SourceSpan): SourceSpan {
  const seg = segmentAt(j, s.start);
  const cell = seg ? cells[seg.cell] : undefined;
  if (!seg || !cell?.fileOffsets?.length) return fileLines.span(0, 0);
  const off = cell.fileOffsets;
  const at = (o: number) => off[Math.max(0, Math.min(o - seg.start, off.length - 1))];
  const a = at(Math.min(s.start, seg.end));
  const b = at(Math.min(Math.max(s.end, s.start), seg.end));
  return fileLines.span(a, Math.max(a, b));
}

// ---- moving a report's spans between the joined program, the cells and the .ipynb file -----------------

function isSpan(o: unknown): o is SourceSpan {
  if (!o || typeof o !== 'object') return false;
  const s = o as Record<string, unknown>;
  return (
    typeof s.start === 'number' &&
    typeof s.end === 'number' &&
    typeof s.line === 'number' &&
    typeof s.column === 'number' &&
    typeof s.endLine === 'number' &&
    typeof s.endColumn === 'number'
  );
}

/** Replaces every SourceSpan-shaped object inside `root` (shared spans are mapped once). */
export function mapSpans(root: unknown, fn: (s: SourceSpan) => SourceSpan): void {
  const mapped = new Map<SourceSpan, SourceSpan>();
  const seen = new Set<unknown>();
  const visit = (o: unknown, depth: number) => {
    if (!o || typeof o !== 'object' || seen.has(o) || depth > 24) return;
    seen.add(o);
    const rec = o as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      const v = rec[k];
      if (isSpan(v)) {
        let m = mapped.get(v);
        if (!m) {
          m = fn(v);
          mapped.set(v, m);
        }
        if (!Object.isFrozen(rec)) rec[k] = m;
      } else if (v && typeof v === 'object') visit(v, depth + 1);
    }
  };
  visit(root, 0);
}

interface CellFinding {
  span: SourceSpan;
  related: { span: SourceSpan }[];
  cell?: { index: number; line: number };
}
interface NotebookReportLike {
  findings: CellFinding[];
  anchor: SourceSpan | null;
}

/** The report of an .ipynb file: spans in the file's coordinates, each finding naming its cell and line. */
export function reportInFile<R extends NotebookReportLike>(report: R, j: JoinedNotebook, cells: NotebookCell[], fileText: string): R {
  for (const f of report.findings) {
    const c = spanInCell(j, f.span);
    if (c) f.cell = { index: c.cell, line: c.span.line };
  }
  const lines = new LineIndex(fileText);
  mapSpans(report, (s) => spanInFile(j, cells, lines, s));
  return report;
}

const ZERO: SourceSpan = { start: 0, end: 0, line: 0, column: 0, endLine: 0, endColumn: 0 };

/**
 * The part of a notebook report that belongs to one cell, for the editor: the findings whose span is in
 * the cell (related locations in other cells dropped), spans in the cell's own coordinates, the anchor
 * only when the model load is in this cell. Spans of other cells become an empty span at the start.
 */
export function reportForCell<R extends NotebookReportLike>(report: R, j: JoinedNotebook, cellIndex: number): R {
  const copy = structuredClone(report) as R;
  const inThis = (s: SourceSpan) => spanInCell(j, s)?.cell === cellIndex;
  copy.findings = copy.findings.filter((f) => inThis(f.span));
  for (const f of copy.findings) f.related = f.related.filter((x) => inThis(x.span));
  if (copy.anchor && !inThis(copy.anchor)) copy.anchor = null;
  mapSpans(copy, (s) => {
    const c = spanInCell(j, s);
    return c && c.cell === cellIndex ? c.span : ZERO;
  });
  for (const f of copy.findings) f.cell = { index: cellIndex, line: f.span.line };
  return copy;
}
