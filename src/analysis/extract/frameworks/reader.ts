// Shared machinery of the config readers: look a key up (with OmegaConf-style ${a.b} interpolation),
// convert its value, record it in Hyperparams with the key's source range, remember which keys were
// used, and note framework defaults as implied values (shown as "defaulted" with the reason).
import { Found, SourceSpan } from '../source';
import { Framework, HyperparamKey, Hyperparams } from '../hyperparams';
import { CEntry, CNode, ConfigDoc, entryAt, litOf } from './tree';
import type { Convert } from '../../vocab/values';
import type { KeyTable } from '../../vocab/dialect';
import { defaultReason, frameworkDefault } from '../../vocab/defaults';

const INTERPOLATION = /^\$\{([\w.-]+)\}$/;

export class ConfigReader {
  /** key paths this reader consumed (for the corpus benchmark's "seen but not used") */
  readonly used = new Set<string>();

  constructor(
    readonly doc: ConfigDoc,
    readonly hp: Hyperparams,
    /** how the format is named in reasons: "axolotl", "LLaMA-Factory", "torchtune", ... */
    readonly label: string,
  ) {}

  /** the label followed by a space, or nothing */
  get prefix(): string {
    return this.label ? `${this.label} ` : '';
  }

  get root(): CNode | null {
    return this.doc.root;
  }

  /** The entry at a dotted path; a value that is only a `${a.b}` reference reads as the value it refers to
   * (OmegaConf/Hydra interpolation: torchtune, verl), so every rule sees what the launcher would. */
  entry(path: string): CEntry | undefined {
    const e = entryAt(this.doc.root, path);
    if (e?.value.kind !== 'scalar' || typeof e.value.value !== 'string' || !e.value.value.includes('${')) return e;
    const r = this.resolve(e);
    return r.unresolved || r.node === e.value ? e : { ...e, value: r.node };
  }

  has(path: string): boolean {
    return !!this.entry(path);
  }

  /** The value node of an entry, following `${a.b}` references to other keys of the file. */
  resolve(e: CEntry): { node: CNode; via?: string; unresolved?: string } {
    let node = e.value;
    let via: string | undefined;
    for (let i = 0; i < 8 && node.kind === 'scalar' && typeof node.value === 'string'; i++) {
      const m = INTERPOLATION.exec(node.value.trim());
      if (!m) {
        if (/\$\{[^}]*\}|\{\{.*\}\}/.test(node.value)) return { node, via, unresolved: `${node.value} is filled in at launch time` };
        break;
      }
      const target = entryAt(this.doc.root, m[1]);
      if (!target) return { node, via, unresolved: `\${${m[1]}} refers to a key that is not in this file` };
      via = `\${${m[1]}} (line ${target.keySpan.line + 1})`;
      node = target.value;
    }
    return { node, via };
  }

  /** Where a finding about an entry points: the key and a value on the same line, else the key alone. */
  static spanOf(e: CEntry): SourceSpan {
    return e.value.span.line === e.keySpan.line && e.value.kind === 'scalar' ? e.span : e.keySpan;
  }

  /** Records `key` from the first of `paths` present. Keeps a value already set unless `override`. */
  take<K extends HyperparamKey>(
    key: K,
    paths: string | string[],
    convert: Convert<NonNullable<Hyperparams[K]> extends Found<infer T> ? T : never>,
    opts: { override?: boolean; how?: string } = {},
  ): CEntry | undefined {
    for (const path of Array.isArray(paths) ? paths : [paths]) {
      const e = entryAt(this.doc.root, path); // raw: resolve() below follows a reference and says through which key
      if (!e) continue;
      this.used.add(path);
      if (this.hp[key] && !opts.override) return e;
      const r = this.resolve(e);
      if (r.unresolved) {
        this.hp.unread.push({ key: path, span: ConfigReader.spanOf(e), reason: r.unresolved });
        return e;
      }
      // `key:` with nothing (or null) asks for the default, as PyYAML reads it (None)
      if (r.node.kind === 'scalar' && r.node.value === null) return e;
      const v = convert(litOf(r.node));
      if (v === undefined) {
        this.hp.unread.push({ key: path, span: ConfigReader.spanOf(e), reason: `unexpected value ${describe(r.node)}` });
        return e;
      }
      const origin = r.node.kind === 'scalar' ? r.node.origin : undefined;
      this.put(
        key,
        e,
        v as never,
        // the command's own words already name the key (`--cutoff_len 4096 on the command line in run.sh`)
        origin
          ? origin.how.includes(path.split('.').pop()!)
            ? origin.how
            : `${path}=${String(r.node.kind === 'scalar' ? r.node.value : '')} ${origin.how}`
          : `${opts.how ?? `${this.label ? `${this.label} ` : ''}${path}: ${describe(r.node)}`}${r.via ? ` via ${r.via}` : ''}`,
        r.node.span,
      );
      return e;
    }
    return undefined;
  }

  /** Reads every field of a dialect table (src/analysis/vocab/dialects) that the file has. */
  takeAll(table: KeyTable): void {
    for (const k of table) this.take(k.field, k.keys as string[], k.convert as never);
  }

  put<K extends HyperparamKey>(
    key: K,
    e: CEntry,
    value: NonNullable<Hyperparams[K]> extends Found<infer T> ? T : never,
    how: string,
    valueSpan?: SourceSpan,
  ): void {
    // a value from the command line: said so (a rule's own wording gets the origin appended), assumed for a usage example
    const origin = e.value.kind === 'scalar' ? e.value.origin : undefined;
    const f: Found<unknown> = {
      value,
      span: ConfigReader.spanOf(e),
      valueSpan: valueSpan ?? e.value.span,
      how: origin && !how.includes(origin.how) ? `${how} (${origin.how})` : how,
    };
    if (origin?.assumed) f.assumed = true;
    (this.hp as unknown as Record<string, unknown>)[key] = f;
  }

  /** A framework default, or a value another key implies: shown as "defaulted" with `how` as the reason. */
  implied<K extends HyperparamKey>(key: K, value: NonNullable<Hyperparams[K]> extends Found<infer T> ? T : never, how: string, at?: SourceSpan): void {
    if (this.hp[key]) return;
    const span = at ?? this.anchor();
    const f: Found<unknown> = { value, span, valueSpan: span, how, implied: true };
    (this.hp as unknown as Record<string, unknown>)[key] = f;
  }

  /** A framework default from the cited table (vocab/defaults.ts): its value and its reason, unless the file set it. */
  impliedDefault<K extends HyperparamKey>(key: K, id: string, lead?: string, at?: SourceSpan): void {
    const d = frameworkDefault(id);
    this.implied(key, d.value as NonNullable<Hyperparams[K]> extends Found<infer T> ? T : never, defaultReason(id, lead), at);
  }

  /**
   * What every training-config reader starts with: the framework and why the file trains, every key of its
   * table, and the model key as the file's anchor. Returns the model entry (undefined when the file has none).
   */
  begin(framework: Framework, reason: string, table: KeyTable, modelKey: string): CEntry | undefined {
    this.hp.framework = framework;
    this.hp.purpose = { value: 'training', reason };
    this.takeAll(table);
    const m = this.entry(modelKey);
    if (m) this.hp.modelLoad = m.keySpan;
    return m;
  }

  /** The config's root anchor: the model key, else the first key, else the start. */
  anchor(): SourceSpan {
    if (this.hp.modelLoad) return this.hp.modelLoad;
    const r = this.doc.root;
    if (r?.kind === 'map' && r.entries.length) return r.entries[0].keySpan;
    return this.doc.lines.span(0, 0);
  }

  /**
   * Keys that change memory but are not modelled: noted when present with a value other than the
   * inactive ones (null, false, 0, 1, "none", empty).
   */
  noteNotModelled(paths: string[]): void {
    for (const path of paths) {
      const e = this.entry(path);
      if (!e || this.used.has(path)) continue;
      const v = e.value;
      if (
        v.kind === 'scalar' &&
        (v.value === null || v.value === false || v.value === 0 || v.value === 1 || v.value === '' || /^(none|false|no|off|null)$/i.test(String(v.value)))
      )
        continue;
      if (v.kind !== 'scalar' && (v.kind === 'seq' ? v.items.length === 0 : v.entries.length === 0)) continue;
      (this.hp.notModelled ??= []).push({ key: path, span: ConfigReader.spanOf(e), value: describe(v) });
    }
  }
}

function describe(n: CNode): string {
  if (n.kind === 'scalar') return JSON.stringify(n.value);
  return n.kind === 'seq'
    ? `[${n.items.length} items]`
    : `{${n.entries
        .map((e) => e.key)
        .slice(0, 4)
        .join(', ')}${n.entries.length > 4 ? ', …' : ''}}`;
}

// ---- converters: one set for every reader (src/analysis/vocab/values.ts), applied to a node's literal ----

export type { Convert } from '../../vocab/values';
export { asBool, asDtype, asNameList, asNumber, asPositiveInt, asString, asTargets, asCheckpointing } from '../../vocab/values';
