export const GiB = 1024 ** 3;
export const GB = 1e9;

export function toGiB(bytes: number): number {
  return bytes / GiB;
}

/** "37.2 GiB" with one decimal (two below 1 GiB, so small components do not read as 0.0). */
export function formatGiB(bytes: number): string {
  const g = bytes / GiB;
  return `${g < 1 ? g.toFixed(2) : g.toFixed(1)} GiB`;
}

/** "≈ 41.3 GiB (38–45)": a point with its band, the band in whole GiB (one decimal below 10 GiB). */
export function formatGiBRange(bytes: number, low?: number, high?: number): string {
  const point = formatGiB(bytes);
  if (low === undefined || high === undefined || (high - low) / Math.max(bytes, 1) < 0.01) return point;
  const f = (x: number) => (x / GiB < 10 ? (x / GiB).toFixed(1) : Math.round(x / GiB).toString());
  return `${point} (${f(low)}–${f(high)})`;
}

/** 8030261248 -> "8.03B", 124e6 -> "124M" */
export function formatParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}
