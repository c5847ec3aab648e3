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
