/** The `fraction` quantile (0.5 for the median) of `values`. */
export function quantile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

export function median(values: number[]): number {
  return quantile(values, 0.5);
}
