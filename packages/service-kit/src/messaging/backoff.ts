/**
 * Exponential backoff with "equal jitter": half of the exponential delay is fixed, the other half
 * random. Retries of many failing jobs spread out instead of arriving together, and each delay is
 * still at least as long as the longest possible one before it. `retry` counts from 1.
 */
export function jitteredBackoff(
  retry: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
