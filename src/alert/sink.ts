/** What the sender asks of a sink. */
import type { DeliveryResult, Notification } from './types.js';

export interface Sink {
  readonly name: string;
  /**
   * Deliver (some of) the due notifications; returns a result for each one
   * attempted. Items left out (deferred for grouping, or not reached after a
   * failure) stay pending and due, untouched. Never throws.
   */
  deliver(items: Notification[], signal: AbortSignal): Promise<Map<number, DeliveryResult>>;
  /** Post a message already rendered (an outbox row of no incident: the digest); null when aborted before trying. */
  post?(message: unknown, signal: AbortSignal): Promise<DeliveryResult | null>;
}

/** Resolves after ms, or early (false) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!signal?.aborted);
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
