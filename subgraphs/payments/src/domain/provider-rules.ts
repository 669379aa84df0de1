/**
 * How payments treats the payment provider's answers: what is worth retrying, how long to wait,
 * and which idempotency key each request carries. Pure: no I/O (src/provider.ts does the calls).
 */

/**
 * What one HTTP answer means. `declined`: the card was refused (402), for good. `refused`: any
 * other 4xx, our request can never succeed as it is (no such charge, a bad amount). `transient`:
 * the provider failed (5xx) and may well answer the same request another way later.
 */
export type AnswerClass = 'ok' | 'declined' | 'refused' | 'transient';

export function classifyStatus(status: number): AnswerClass {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 402) return 'declined';
  // 408 (request timeout) and 429 (slow down) are the provider's trouble, not our request's.
  if (status === 408 || status === 429) return 'transient';
  if (status >= 400 && status < 500) return 'refused';
  return 'transient';
}

export type RetryPolicy = { attempts: number; backoff: { baseMs: number; maxMs: number } };

/**
 * After `failures` transient failures of one call (counted only while the circuit was closed: an
 * open or half-open circuit makes a call wait, it never uses up its tries), retry after a delay,
 * or give up. The delay is exponential with "equal jitter": half fixed, half random, so the
 * retries of many calls that failed together spread out.
 */
export function afterTransientFailure(
  failures: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): { retry: true; delayMs: number } | { retry: false } {
  if (failures >= policy.attempts) return { retry: false };
  const exponential = Math.min(policy.backoff.maxMs, policy.backoff.baseMs * 2 ** Math.max(0, failures - 1));
  return { retry: true, delayMs: Math.round(exponential / 2 + random() * (exponential / 2)) };
}

/**
 * How long a call waits for an open circuit: until the breaker may let a trial through, plus a
 * little jitter so the waiting calls do not all arrive in the same millisecond (the breaker lets
 * one through and holds the rest until it decides). 0 once that time has come: the call goes to
 * the breaker, which only turns half-open when a call arrives.
 */
export function waitForCircuit(
  openedAt: number,
  halfOpenAfterMs: number,
  now: number,
  random: () => number = Math.random,
): number {
  const remaining = openedAt + halfOpenAfterMs - now;
  return remaining > 0 ? remaining + 10 + Math.round(random() * 40) : 0;
}

/**
 * The charge's key: derived from the order alone, so every attempt, every redelivery and every
 * payments process asks for the same charge, and the provider takes the money at most once.
 */
export const chargeKey = (orderId: string) => `charge-${orderId}`;
/**
 * A full refund's key, one per order: a staff refund, the refund of a charge captured just before
 * the cancel and the refund of a charge that was in flight when the order was cancelled can never
 * give the money back twice, whichever of them runs and however often.
 */
export const refundKey = (orderId: string) => `refund-${orderId}`;
