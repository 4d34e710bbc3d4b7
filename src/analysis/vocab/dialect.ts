// The shape of a framework's vocabulary: which keys (or keyword arguments) each plan field is read from,
// in priority order, and how the written value converts. Every reader and every command-line override
// goes through these tables, so adding a key is one line in one dialect file (src/analysis/vocab/dialects).
import type { HyperparamKey, Hyperparams } from '../extract/hyperparams';
import type { Found } from '../extract/source';
import type { Convert, Lit } from './values';

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

/** The first (preferred) key a table reads a field from. */
export function keyFor(table: KeyTable, field: HyperparamKey): string | undefined {
  return table.find((k) => k.field === field)?.keys[0];
}

/** A converter that reads a boolean the other way round (LLaMA-Factory disable_gradient_checkpointing). */
export function inverted(convert: Convert<boolean>): Convert<boolean> {
  return (v: Lit) => {
    const b = convert(v);
    return b === undefined ? undefined : !b;
  };
}
