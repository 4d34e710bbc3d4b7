// How a plan field is made: read from the file, a framework default (from the cited table in
// vocab/defaults.ts), or an assumption of ours with its reason. plan.ts and job.ts both use these.
import { Found } from '../extract/source';
import { Dtype } from '../memory/setup';
import { defaultReason, frameworkDefault } from '../vocab/defaults';

export type Origin = 'read' | 'defaulted' | 'assumed';

export interface PlanField<T> {
  value: T;
  origin: Origin;
  /** why a default or an assumption applies, or how the value was read */
  reason: string;
  span?: SourceSpanLike;
  valueSpan?: SourceSpanLike;
}

type SourceSpanLike = Found<unknown>['span'];

/** A value the file states (or implies through a call, or suggests indirectly: then assumed). */
export function read<T>(f: Found<unknown>, value: T): PlanField<T> {
  return { value, origin: f.assumed ? 'assumed' : f.implied ? 'defaulted' : 'read', reason: f.how, span: f.span, valueSpan: f.valueSpan };
}

export const dflt = <T>(value: T, reason: string): PlanField<T> => ({ value, origin: 'defaulted', reason });
export const assume = <T>(value: T, reason: string): PlanField<T> => ({ value, origin: 'assumed', reason });

/** A framework default from the table, its value converted by `as` when the plan names it differently. */
export function fromDefault<T>(id: string, lead?: string, as?: (v: unknown) => T): PlanField<T> {
  const d = frameworkDefault(id);
  return dflt(as ? as(d.value) : (d.value as T), defaultReason(id, lead));
}

/** torch dtype names -> the engine's dtypes. */
export function dtypeOf(s: string | undefined): Dtype | undefined {
  return s === 'bfloat16' ? 'bf16' : s === 'float16' ? 'fp16' : s === 'float32' ? 'fp32' : undefined;
}
