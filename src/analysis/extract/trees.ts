// Incremental parsing: while someone types, each analysis parses the document again. tree-sitter can reuse
// the previous tree of the same document when told what changed (Tree.edit, then Parser.parse(text, oldTree)):
// "Parsing is incremental: when the source code is edited, tree-sitter updates the tree in time proportional
// to the size of the edit" (https://tree-sitter.github.io/tree-sitter/using-parsers/2-basic-parsing.html,
// "Editing"). On the 5,003-line script of bench:latency a full parse takes ~66 ms, a one-character edit ~9 ms.
//
// The previous tree of the last few documents is kept here, per parser, keyed by the document (its file name).
// A tree handed out by `parseKeyed` belongs to the cache: the caller must not delete it, and must not keep
// its nodes after the next call for the same key (the reader turns everything it returns into plain spans).
import { Edit } from 'web-tree-sitter';
import type { Parser, Point, Tree } from 'web-tree-sitter';

/** How many documents keep their tree (an editor has a few training files open at once). */
const CAPACITY = 6;

interface Entry {
  text: string;
  tree: Tree;
}

const caches = new WeakMap<Parser, Map<string, Entry>>();

/** Row and column (UTF-16 code units, as web-tree-sitter counts them for JS strings) of an offset. */
export function pointAt(text: string, offset: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}

/** The one edit that turns `before` into `after`: their common start and common end kept, the middle replaced. */
export function editBetween(before: string, after: string): Edit {
  const max = Math.min(before.length, after.length);
  let start = 0;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < max - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  const oldEnd = before.length - tail;
  const newEnd = after.length - tail;
  const startPosition = pointAt(before, start);
  return new Edit({
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition,
    oldEndPosition: pointAt(before, oldEnd),
    newEndPosition: pointAt(after, newEnd),
  });
}

/**
 * Parses `text`, reusing the previous tree of the same document. Returns null when tree-sitter gives no tree.
 * The tree stays owned by the cache (deleted when the document's next text is parsed or when it is evicted).
 */
export function parseKeyed(parser: Parser, text: string, key: string): Tree | null {
  let cache = caches.get(parser);
  if (!cache) caches.set(parser, (cache = new Map()));
  const old = cache.get(key);
  cache.delete(key);
  let tree: Tree | null;
  if (old && old.text === text) tree = old.tree;
  else {
    if (old) old.tree.edit(editBetween(old.text, text));
    try {
      tree = parser.parse(text, old?.tree ?? null);
    } finally {
      old?.tree.delete();
    }
  }
  if (!tree) return null;
  // most recently used last; the oldest documents give their trees back
  cache.set(key, { text, tree });
  for (const [k, e] of cache) {
    if (cache.size <= CAPACITY) break;
    e.tree.delete();
    cache.delete(k);
  }
  return tree;
}

/** Frees every kept tree of a parser (tests; an extension host that shuts down frees the whole WASM heap). */
export function forgetTrees(parser: Parser): void {
  const cache = caches.get(parser);
  for (const e of cache?.values() ?? []) e.tree.delete();
  cache?.clear();
}
