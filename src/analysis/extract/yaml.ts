// YAML configs -> the format-neutral config tree, with source ranges (the `yaml` package's node ranges,
// converted to lines/columns by LineIndex). YAML 1.1 rules, as PyYAML and OmegaConf read these files
// (`yes`/`no`/`on`/`off` are booleans; docs/sources/parsing-pitfalls.md §6). Never throws.
import { Alias, Document, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { CEntry, CNode, ConfigDoc } from './frameworks/tree';
import { LineIndex, SourceSpan } from './source';

const MAX_DEPTH = 64;
const MAX_NODES = 200_000;

export function parseYamlConfig(text: string): ConfigDoc {
  const lines = new LineIndex(text);
  const doc: ConfigDoc = { format: 'yaml', text, lines, root: null, errors: [] };
  let docs: Document.Parsed[];
  try {
    const all = parseAllDocuments(text, { version: '1.1', uniqueKeys: false, prettyErrors: false, strict: false, merge: true });
    docs = Array.isArray(all) ? all : [];
  } catch (e) {
    doc.errors.push({ span: lines.span(0, 0), message: `YAML could not be parsed: ${(e as Error).message}` });
    return doc;
  }
  const span = (r: readonly number[] | undefined | null, fallback = 0): SourceSpan => {
    const a = clamp(r?.[0] ?? fallback, text.length);
    const b = clamp(r?.[1] ?? a, text.length);
    return lines.span(a, Math.max(a, b));
  };
  for (const d of docs) {
    for (const e of d.errors) {
      const pos = (e as { pos?: [number, number] }).pos;
      doc.errors.push({ span: span(pos ?? [0, 0]), message: e.message.split('\n')[0] });
    }
  }
  const first = docs.find((d) => d.contents && isMap(d.contents)) ?? docs.find((d) => d.contents);
  if (!first) return doc;
  let budget = MAX_NODES;
  const convert = (node: unknown, depth: number, at: number): CNode => {
    if (--budget < 0 || depth > MAX_DEPTH) return { kind: 'scalar', value: null, quoted: false, span: span([at, at]) };
    if (isAlias(node)) {
      let target: unknown;
      try {
        target = (node as Alias).resolve(first);
      } catch {
        target = undefined;
      }
      return target ? convert(target, depth + 1, at) : { kind: 'scalar', value: null, quoted: false, span: span(node.range) };
    }
    if (isMap(node)) {
      const entries: CEntry[] = [];
      const merged: CEntry[] = [];
      for (const p of node.items) {
        if (!isPair(p)) continue;
        const k = p.key;
        const keyRange = isScalar(k) || isMap(k) || isSeq(k) ? k.range : undefined;
        // the YAML 1.1 merge key `<<` comes as a symbol
        const keyText = isScalar(k) ? (typeof k.value === 'symbol' ? '<<' : k.value === null ? '' : String(k.value)) : undefined;
        if (keyText === undefined || !keyRange) continue;
        const keySpan = span(keyRange);
        const value: CNode =
          p.value == null ? { kind: 'scalar', value: null, quoted: false, span: span([keyRange[1], keyRange[1]]) } : convert(p.value, depth + 1, keyRange[1]);
        if (keyText === '<<') {
          // YAML 1.1 merge key: the aliased map's entries come first, the map's own entries override them
          const src = value.kind === 'seq' ? value.items : [value];
          for (const m of src) if (m.kind === 'map') merged.push(...m.entries);
          continue;
        }
        const end = Math.max(keySpan.end, value.span.end);
        entries.push({ key: keyText, keySpan, value, span: span([keySpan.start, end]) });
      }
      return { kind: 'map', entries: [...merged, ...entries], span: span(node.range, at) };
    }
    if (isSeq(node)) {
      return { kind: 'seq', items: node.items.map((x) => convert(x, depth + 1, node.range?.[0] ?? at)), span: span(node.range, at) };
    }
    if (isScalar(node)) {
      const v = node.value;
      const value =
        v === null || v === undefined
          ? null
          : typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'
            ? v
            : typeof v === 'bigint'
              ? Number(v)
              : String(v);
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      return { kind: 'scalar', value, quoted, span: span(node.range, at) };
    }
    return { kind: 'scalar', value: null, quoted: false, span: span([at, at]) };
  };
  try {
    doc.root = convert(first.contents, 0, 0);
  } catch (e) {
    doc.errors.push({ span: lines.span(0, 0), message: `YAML could not be read: ${(e as Error).message}` });
  }
  return doc;
}

function clamp(n: number, max: number): number {
  return Number.isFinite(n) ? Math.min(Math.max(0, n), max) : 0;
}
