// A unified diff (the `diff -u` / `git diff` format that `patch` and `git apply` read) of a file before
// and after a fix, for the MCP server's suggest_fixes and the CLI. Line diff by Myers' O(ND) algorithm
// (E. Myers, "An O(ND) Difference Algorithm and Its Variations", Algorithmica 1986), keeping only the
// 2d+1 diagonals of each step, so memory grows with the size of the change, not of the file.

type Op = { kind: ' ' | '-' | '+'; text: string };

interface Lines {
  lines: string[];
  /** the last line has no newline after it */
  noEol: boolean;
}

function splitLines(text: string): Lines {
  if (text === '') return { lines: [], noEol: false };
  const lines = text.split('\n');
  const noEol = lines[lines.length - 1] !== '';
  if (!noEol) lines.pop();
  return { lines, noEol };
}

/** The shortest edit script from a to b (equal, delete, insert), in order. */
function myers(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  // trace[d][k + d] = furthest x on diagonal k after d differences
  const trace: Int32Array[] = [];
  let prev = new Int32Array(1);
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    const v = new Int32Array(2 * d + 1);
    for (let k = -d; k <= d; k += 2) {
      // previous row holds diagonals -(d-1)..(d-1) at index k + (d-1)
      const down = k === -d || (k !== d && prev[k - 1 + (d - 1)] < prev[k + 1 + (d - 1)]);
      let x = d === 0 ? 0 : down ? prev[k + 1 + (d - 1)] : prev[k - 1 + (d - 1)] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[k + d] = x;
      if (x >= n && y >= m) found = true;
    }
    trace.push(v);
    prev = v;
  }
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const k = x - y;
    let prevK: number;
    let prevX: number;
    if (d === 0) {
      prevK = 0;
      prevX = 0;
    } else {
      const p = trace[d - 1];
      const down = k === -d || (k !== d && p[k - 1 + (d - 1)] < p[k + 1 + (d - 1)]);
      prevK = down ? k + 1 : k - 1;
      prevX = p[prevK + (d - 1)];
    }
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: ' ', text: a[x - 1] });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: '+', text: b[y - 1] });
      else ops.push({ kind: '-', text: a[x - 1] });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

const NO_EOL = '\\ No newline at end of file';

export interface DiffOptions {
  /** header names, e.g. a/train.py and b/train.py */
  oldName: string;
  newName: string;
  /** unchanged lines around each change (default 3, as diff -u) */
  context?: number;
}

/** The unified diff of two texts; '' when they are equal. */
export function unifiedDiff(oldText: string, newText: string, opts: DiffOptions): string {
  if (oldText === newText) return '';
  const context = opts.context ?? 3;
  const a = splitLines(oldText);
  const b = splitLines(newText);
  // a last line without newline differs from the same text with one: mark it so they do not match
  const mark = (l: Lines) => l.lines.map((s, i) => (l.noEol && i === l.lines.length - 1 ? s + '\u0000' : s));
  // eslint-disable-next-line no-control-regex -- the NUL mark set just above
  const ops = myers(mark(a), mark(b)).map((o) => ({ ...o, text: o.text.replace(/\u0000$/, '') }));
  // the line number (0-based) each op stands at in the old and the new text
  const pos: { oldAt: number; newAt: number }[] = [];
  let oi = 0;
  let ni = 0;
  for (const o of ops) {
    pos.push({ oldAt: oi, newAt: ni });
    if (o.kind !== '+') oi++;
    if (o.kind !== '-') ni++;
  }
  const changed = ops.map((o, i) => (o.kind === ' ' ? -1 : i)).filter((i) => i >= 0);
  const out: string[] = [`--- ${opts.oldName}`, `+++ ${opts.newName}`];
  let h = 0;
  while (h < changed.length) {
    let from = Math.max(0, changed[h] - context);
    let to = changed[h];
    while (h + 1 < changed.length && changed[h + 1] - to <= 2 * context + 1) to = changed[++h];
    h++;
    to = Math.min(ops.length - 1, to + context);
    from = Math.max(0, from);
    const slice = ops.slice(from, to + 1);
    const oldCount = slice.filter((o) => o.kind !== '+').length;
    const newCount = slice.filter((o) => o.kind !== '-').length;
    // an empty side is numbered by the line before it (diff -u: "-0,0" for an empty file)
    const oldStart = oldCount ? pos[from].oldAt + 1 : pos[from].oldAt;
    const newStart = newCount ? pos[from].newAt + 1 : pos[from].newAt;
    out.push(`@@ -${oldStart}${oldCount === 1 ? '' : ',' + oldCount} +${newStart}${newCount === 1 ? '' : ',' + newCount} @@`);
    for (let i = from; i <= to; i++) {
      const o = ops[i];
      out.push(o.kind + o.text);
      const lastOld = o.kind !== '+' && pos[i].oldAt === a.lines.length - 1 && a.noEol;
      const lastNew = o.kind !== '-' && pos[i].newAt === b.lines.length - 1 && b.noEol;
      if (lastOld || lastNew) out.push(NO_EOL);
    }
  }
  return out.join('\n') + '\n';
}
