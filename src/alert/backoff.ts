/** Exponential backoff with jitter for failed deliveries (not for 429: Retry-After rules there). */

export interface BackoffPolicy {
  /** Delay after the first failure. */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 300_000 };

/**
 * Delay before the next attempt after `failures` failed attempts (1 = the first
 * failed): base·2^(failures-1), capped, then "equal jitter" (half fixed, half
 * random) so many forkwatch instances hit by one Slack outage do not retry in step.
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  return Math.round(exp / 2 + (exp / 2) * random());
}
