/**
 * The alert extension's metrics, registered on the daemon's registry by the
 * extension (DaemonExtension.registerMetrics), whatever sinks are configured:
 *   forkwatch_notifications_total{sink,outcome}  delivery attempts (sent, retry, dead), counted by the sender
 *   forkwatch_outbox_pending{sink}  notifications waiting, per configured sink
 *   forkwatch_outbox_oldest_pending_age_seconds{sink}  age of the oldest of them, 0 when none
 * The outbox gauges are rebuilt from the store after every tick (here) and
 * after every send pass (the sender, for its own sinks).
 */
import type { Counter, Gauge, Registry } from 'prom-client';
import { counterOn, gaugeOn } from '../extension/metrics.js';
import type { IncidentStore } from '../record/types.js';

export interface AlertMetrics {
  notifications: Counter<'sink' | 'outcome'>;
  outboxPending: Gauge<'sink'>;
  outboxOldestPendingAge: Gauge<'sink'>;
}

export function alertMetrics(registry: Registry): AlertMetrics {
  return {
    notifications: counterOn(registry, {
      name: 'forkwatch_notifications_total',
      help: 'Notification delivery attempts by sink and outcome.',
      labelNames: ['sink', 'outcome'],
    }),
    outboxPending: gaugeOn(registry, {
      name: 'forkwatch_outbox_pending',
      help: 'Notifications waiting in the outbox by sink.',
      labelNames: ['sink'],
    }),
    outboxOldestPendingAge: gaugeOn(registry, {
      name: 'forkwatch_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest pending notification by sink, 0 when none.',
      labelNames: ['sink'],
    }),
  };
}

/** Outbox depth and age per configured sink, from the store (the sender counts deliveries). */
export function updateOutboxMetrics(
  m: Pick<AlertMetrics, 'outboxPending' | 'outboxOldestPendingAge'>,
  store: IncidentStore,
  now: number,
): void {
  m.outboxPending.reset();
  m.outboxOldestPendingAge.reset();
  for (const sink of store.sinks) {
    m.outboxPending.set({ sink }, 0);
    m.outboxOldestPendingAge.set({ sink }, 0);
  }
  for (const s of store.outboxStats(now)) {
    m.outboxPending.set({ sink: s.sink }, s.pending);
    m.outboxOldestPendingAge.set({ sink: s.sink }, s.oldestPendingAgeMs / 1000);
  }
}
