// The fit verdict, one rule for every surface (report, fixes, the panel's what-ifs, measurements): against
// the band of the estimate, not its point. "Does not fit" only when even the low end of the band exceeds the
// usable memory; "may not fit" (tight) when the band reaches past it or the point is within the headroom.
export type Verdict = 'fits' | 'tight' | 'oom' | 'unknown';

/** The band as ratios of the point estimate (src/analysis/memory/band.ts); absent: a point estimate. */
export interface Spread {
  low: number;
  high: number;
}

export function verdictOf(requiredBytes: number, usable: number, headroomPercent: number, spread?: Spread): Exclude<Verdict, 'unknown'> {
  const low = requiredBytes * Math.min(1, spread?.low ?? 1);
  const high = requiredBytes * Math.max(1, spread?.high ?? 1);
  if (low > usable) return 'oom';
  if (high > usable || requiredBytes > usable * (1 - headroomPercent / 100)) return 'tight';
  return 'fits';
}

/** The largest point estimate whose verdict is "fits": under the headroom, and the band's high end under the card. */
export function fitLimit(usable: number, headroomPercent: number, spread?: Spread): number {
  return Math.min(usable * (1 - headroomPercent / 100), usable / Math.max(1, spread?.high ?? 1));
}
