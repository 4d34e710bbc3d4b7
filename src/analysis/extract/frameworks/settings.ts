// Settings read from one config that apply to the job of another (a DeepSpeed JSON or an accelerate
// YAML linked from a training config or a launcher). Each setting keeps the entry it came from; applying
// it either records that entry (the file itself is analysed) or points at the reference in the file
// being analysed and names the linked file and line in the reason (linked).
import { Found, SourceSpan } from '../source';
import { HyperparamKey, Hyperparams } from '../hyperparams';
import { ConfigReader } from './reader';
import { CEntry } from './tree';

export interface Setting<T> {
  value: T;
  entry: CEntry;
  /** what it means, in the file's own words: "zero_optimization.stage: 3" */
  how: string;
}

export type SettingMap = Partial<{ [K in HyperparamKey]: Setting<NonNullable<Hyperparams[K]> extends Found<infer T> ? T : never> }>;

export interface LinkedFrom {
  /** the linked file, as the user wrote or as it resolved (shown in reasons) */
  file: string;
  /** the reference in the analysed file (`deepspeed: ds.json`, the launcher line's anchor) */
  span: SourceSpan;
  /** how the link was made: "deepspeed: …", "accelerate launch --config_file …" */
  via: string;
  /** the link comes from a usage example: the settings are assumed */
  assumed?: boolean;
}

/**
 * Puts settings into Hyperparams. Local: as read values of this file. Linked: values the analysed file
 * does not set itself (or that the linked file decides, `override`), with the reference as their span.
 */
export function applySettings(hp: Hyperparams, settings: SettingMap, from: LinkedFrom | null, override: ReadonlySet<HyperparamKey> = new Set()): void {
  for (const [k, s] of Object.entries(settings) as [HyperparamKey, Setting<unknown>][]) {
    if (!s) continue;
    if (hp[k] && !(hp[k] as Found<unknown>).implied && !override.has(k)) continue;
    const f: Found<unknown> = from
      ? {
          value: s.value,
          span: from.span,
          valueSpan: from.span,
          how: `${s.how} in ${from.file} (line ${s.entry.keySpan.line + 1}), linked by ${from.via}`,
          ...(from.assumed ? { assumed: true } : {}),
        }
      : { value: s.value, span: ConfigReader.spanOf(s.entry), valueSpan: s.entry.value.span, how: s.how };
    (hp as unknown as Record<string, unknown>)[k] = f;
  }
}
