// The shape of a framework's vocabulary: which keys (or keyword arguments) each plan field is read from,
// in priority order, and how the written value converts. Every reader and every command-line override
// goes through these tables, so adding a key is one line in one dialect file (src/analysis/vocab/dialects).
import type { HyperparamKey, Hyperparams } from '../extract/hyperparams';
import type { Found } from '../extract/source';
import type { Convert, Lit } from './values';
import type { ChangeField, ChangeOf } from './changes';

/** The value type a Hyperparams field holds. */
export type FieldValue<K extends HyperparamKey> = NonNullable<Hyperparams[K]> extends Found<infer T> ? T : never;

/** One field of a dialect: its keys in priority order (dotted paths in configs) and the converter. */
export interface KeyRead<K extends HyperparamKey = HyperparamKey> {
  field: K;
  keys: readonly string[];
  convert: Convert<FieldValue<K>>;
}

export type KeyTable = readonly KeyRead[];

export function key<K extends HyperparamKey>(field: K, keys: string | readonly string[], convert: Convert<FieldValue<K>>): KeyRead {
  return { field, keys: typeof keys === 'string' ? [keys] : keys, convert } as unknown as KeyRead;
}

/** The entry of a table that reads `name` (a key or keyword), if any. */
export function readerOf(table: KeyTable, name: string): KeyRead | undefined {
  return table.find((k) => k.keys.includes(name));
}

/** A converter that reads a boolean the other way round (LLaMA-Factory disable_gradient_checkpointing). */
export function inverted(convert: Convert<boolean>): Convert<boolean> {
  return (v: Lit) => {
    const b = convert(v);
    return b === undefined ? undefined : !b;
  };
}

// ---- writing: the keys a fix writes, per plan change ---------------------------------------------------

/** One key a config fix writes. A nested value (a mapping) is written as a block when the key is new. */
export interface KeyWrite {
  /** top-level key or dotted path */
  key: string;
  value: Lit;
  /** the Hyperparams field read from this key: its read span is replaced in place */
  field?: HyperparamKey;
}

/** What a config writer knows about the file it edits. */
export interface WriteContext {
  /** the file already has this key (dotted path) */
  has(path: string): boolean;
  /** TRL-style arguments (TRL's ModelConfig keys are accepted), as opposed to plain TrainingArguments */
  trl: boolean;
  /** the job trains all weights now */
  full: boolean;
  /** the micro-batch after the changes being written (a fix that keeps micro × accumulation needs it) */
  microBatch: number;
}

/** The writes of one change, or the reason this dialect cannot express it as keys. */
export type ConfigWriter<C> = (change: C, ctx: WriteContext) => KeyWrite[] | string;

/** A dialect's writers, one per plan change it can express. */
export type ConfigWrites = Partial<{ [F in ChangeField]: ConfigWriter<ChangeOf<F>> }>;
