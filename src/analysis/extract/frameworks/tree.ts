// A format-neutral tree of a YAML or JSON config with the source range of every key and value, so that
// the framework readers (axolotl, LLaMA-Factory, torchtune, DeepSpeed, accelerate, TRL) work the same on
// both formats and every value they take keeps where it came from.
import { LineIndex, SourceSpan } from '../source';
import type { Lit } from '../../vocab/values';

export type ScalarValue = string | number | boolean | null;

export interface CScalar {
  kind: 'scalar';
  value: ScalarValue;
  /** the value was quoted in the source ("3" is a string, 3 a number) */
  quoted: boolean;
  span: SourceSpan;
  /** a value given on a command line (`cutoff_len=4096` after llamafactory-cli train x.yaml), not written in the file */
  origin?: { how: string; assumed?: boolean };
}
export interface CSeq {
  kind: 'seq';
  items: CNode[];
  span: SourceSpan;
}
export interface CEntry {
  key: string;
  keySpan: SourceSpan;
  value: CNode;
  /** the key through the end of its value: where a finding about the setting points */
  span: SourceSpan;
}
export interface CMap {
  kind: 'map';
  entries: CEntry[];
  span: SourceSpan;
}
export type CNode = CScalar | CSeq | CMap;

export interface ConfigDoc {
  format: 'yaml' | 'json';
  text: string;
  lines: LineIndex;
  root: CNode | null;
  /** parse errors: what could be read is still usable */
  errors: { span: SourceSpan; message: string }[];
}

export function isMap(n: CNode | null | undefined): n is CMap {
  return !!n && n.kind === 'map';
}

/** The entry for `key` (the last one: PyYAML and JSON.parse keep the last duplicate). */
export function entryOf(map: CNode | null | undefined, key: string): CEntry | undefined {
  if (!isMap(map)) return undefined;
  for (let i = map.entries.length - 1; i >= 0; i--) if (map.entries[i].key === key) return map.entries[i];
  return undefined;
}

/** The entry at a dotted path (`tokenizer.max_seq_len`). */
export function entryAt(root: CNode | null | undefined, path: string): CEntry | undefined {
  const parts = path.split('.');
  let node: CNode | null | undefined = root;
  let e: CEntry | undefined;
  for (const p of parts) {
    e = entryOf(node, p);
    if (!e) return undefined;
    node = e.value;
  }
  return e;
}

export function scalarOf(n: CNode | null | undefined): ScalarValue | undefined {
  return n && n.kind === 'scalar' ? n.value : undefined;
}

/** A node as a plain literal, the form the vocabulary's converters read (null for a missing node). */
export function litOf(n: CNode | null | undefined, depth = 0): Lit {
  if (!n || depth > 64) return null;
  if (n.kind === 'scalar') return n.value;
  if (n.kind === 'seq') return n.items.map((x) => litOf(x, depth + 1));
  const o: { [key: string]: Lit } = {};
  for (const e of n.entries) o[e.key] = litOf(e.value, depth + 1);
  return o;
}

/** Every key path of a tree (`fsdp_config.fsdp_offload_params`), with its entry; sequences are not entered. */
export function* walkEntries(root: CNode | null | undefined, prefix = '', depth = 0): Generator<{ path: string; entry: CEntry }> {
  if (!isMap(root) || depth > 16) return;
  for (const e of root.entries) {
    const path = prefix ? `${prefix}.${e.key}` : e.key;
    yield { path, entry: e };
    if (isMap(e.value)) yield* walkEntries(e.value, path, depth + 1);
  }
}

/**
 * Puts command-line values into a config tree (`key=value`, dotted keys nested), as the framework's own
 * parser would before reading it (OmegaConf / HfArgumentParser merge them over the file). Each value keeps
 * where it came from; an existing key keeps its place in the file, a new one points at `at`.
 */
export function mergeOverrides(doc: ConfigDoc, overrides: { key: string; value: string; how: string; assumed?: boolean }[], at: SourceSpan): void {
  if (!overrides.length) return;
  if (!doc.root) doc.root = { kind: 'map', entries: [], span: at };
  if (!isMap(doc.root)) return;
  for (const o of overrides) {
    const parts = o.key.split('.').filter(Boolean);
    if (!parts.length || parts.some((p) => !/^[\w-]+$/.test(p))) continue;
    let map: CMap = doc.root;
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      let e = entryOf(map, parts[i]);
      if (last) {
        const t = o.value.trim();
        const value = /^(true|false)$/i.test(t)
          ? t.toLowerCase() === 'true'
          : /^(null|none|~)$/i.test(t)
            ? null
            : /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)
              ? Number(t)
              : t;
        const span = e?.value.span ?? at;
        const node: CScalar = { kind: 'scalar', value, quoted: false, span, origin: { how: o.how, ...(o.assumed ? { assumed: true } : {}) } };
        if (e) e.value = node;
        else map.entries.push({ key: parts[i], keySpan: at, value: node, span: at });
        break;
      }
      if (!e || !isMap(e.value)) {
        const fresh: CMap = { kind: 'map', entries: [], span: at };
        if (e) e.value = fresh;
        else {
          e = { key: parts[i], keySpan: at, value: fresh, span: at };
          map.entries.push(e);
        }
      }
      map = e.value as CMap;
    }
  }
}

/** A zero-width span at an offset. */
export function pointSpan(lines: LineIndex, offset: number): SourceSpan {
  return lines.span(offset, offset);
}
