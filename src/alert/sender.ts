/**
 * The outbox sender: for each configured sink, its own async loop takes the
 * due notifications from the store, delivers them and acknowledges each
 * (sent / retry at a time / dead). The store wrote the rows in the same
 * transaction as the incident change, so a crash anywhere loses nothing; a
 * crash between a send and its acknowledgement repeats that one message.
 * Never blocks scanning: delivery runs on its own timers, between ticks.
 */
import type { Config } from '../config/config.js';
import type { IncidentStore, OutboxItem } from '../record/index.js';
import type { Logger } from '../util/logger.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { toAlertFacts, type SignatureLookup } from './facts.js';
import { createAlertmanagerSink, type AlertmanagerSink } from './alertmanager.js';
import { createSlackSink } from './slack.js';
import type { Sink } from './sink.js';
import { configuredSinks, SLACK_SINK } from '../extension/sinks.js';
import { transitionKind, type DeliveryResult, type Notification } from './types.js';
import type { AlertMetrics } from './metrics.js';
import type { MessageContext } from './describe.js';

export interface AlertSenderOptions {
  config: Config;
  store: IncidentStore;
  logger: Logger;
  metrics?: AlertMetrics;
  now?: () => number;
  /** The signature library, for references (illumos #1667 ...) in messages. */
  signatures?: SignatureLookup;
  /** How often each sink looks for due notifications (default 500 ms; poke() for sooner). */
  pollIntervalMs?: number;
  /** Slack: wait this long after the first 'opened' of a burst (default 500 ms). */
  groupWaitMs?: number;
  /** Slack: at most one message per this many ms (default 1000). */
  slackMinIntervalMs?: number;
  backoff?: BackoffPolicy;
  /** Rows taken per pass per sink (default 100). */
  batchLimit?: number;
  random?: () => number;
}

export interface PassReport {
  sink: string;
  sent: number;
  retry: number;
  dead: number;
  /** Due but not attempted this pass (grouping wait, a failure earlier in the pass). */
  deferred: number;
}

export interface AlertSender {
  readonly sinks: readonly string[];
  start(): void;
  /** Stop the loops, abort requests in flight (they stay pending), wait for the passes to end. */
  stop(): Promise<void>;
  /** One pass of every sink now (tests, shutdown flush). */
  drainOnce(): Promise<PassReport[]>;
  /** Look for due notifications now (the daemon calls it after recording a tick). */
  poke(): void;
  /** Re-send every active alert to Alertmanager now (also runs every resendIntervalMs). */
  resendActive(): Promise<void>;
}

interface SinkState {
  sink: Sink;
  /** Nothing is sent before this (a 429's Retry-After, or the backoff after a failure). */
  pausedUntil: number;
  chain: Promise<unknown>;
  timer: NodeJS.Timeout | null;
}

export function createAlertSender(opts: AlertSenderOptions): AlertSender {
  const { config, store, logger } = opts;
  const now = opts.now ?? Date.now;
  const pollMs = opts.pollIntervalMs ?? 500;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const batchLimit = opts.batchLimit ?? 100;
  const log = logger.child({ component: 'alert' });
  const abort = new AbortController();
  let running = false;
  let resendTimer: NodeJS.Timeout | null = null;
  let lastReminderScan = -Infinity;

  const context = (): MessageContext => ({
    publicUrl: config.publicUrl,
    remediationMode: config.remediation.mode,
    now: now(),
  });
  const am =
    config.alerts.alertmanager.urls.length > 0
      ? createAlertmanagerSink({
          urls: config.alerts.alertmanager.urls,
          timeoutMs: config.alerts.alertmanager.timeoutMs,
          context: () => ({ ...context(), fallbackBaseUrl: `http://${config.listen.host}:${config.listen.port}` }),
          now,
        })
      : null;
  const states: SinkState[] = configuredSinks(config).map((name) => ({
    sink: name === SLACK_SINK ? slackSink() : am!,
    pausedUntil: 0,
    chain: Promise.resolve(),
    timer: null,
  }));

  function slackSink(): Sink {
    return createSlackSink({
      webhookUrl: config.alerts.slack.webhookUrl!,
      timeoutMs: config.alerts.slack.timeoutMs,
      minIntervalMs: opts.slackMinIntervalMs ?? 1000,
      groupWaitMs: opts.groupWaitMs ?? 500,
      context,
      now,
    });
  }

  /** Serialize everything a sink does (loop pass, drainOnce, re-send) so no row is sent twice at once. */
  function withLock<T>(s: SinkState, fn: () => Promise<T>): Promise<T> {
    const run = s.chain.then(fn, fn);
    s.chain = run.catch(() => undefined);
    return run;
  }

  async function pass(s: SinkState): Promise<PassReport> {
    const report: PassReport = { sink: s.sink.name, sent: 0, retry: 0, dead: 0, deferred: 0 };
    try {
      if (s.sink.name === SLACK_SINK) enqueueDueReminders();
      const at = now();
      if (at < s.pausedUntil || abort.signal.aborted) return report;
      const rows = store.listDueNotifications(s.sink.name, at, batchLimit);
      const items = rows.flatMap((row) => toNotification(row, report));
      const results = await s.sink.deliver(items, abort.signal);
      for (const item of items) {
        const result = results.get(item.id);
        if (result) acknowledge(s, item, result, report);
        else report.deferred += 1;
      }
      if (s.sink.post) await postMessages(s, report);
    } catch (err) {
      log.error({ err: errorText(err), sink: s.sink.name }, 'alert: outbox pass failed; will retry');
    } finally {
      updateGauges();
    }
    return report;
  }

  /** An outbox row as a Notification; a row no sink can render is dead-lettered at once. */
  function toNotification(row: OutboxItem, report: PassReport): Notification[] {
    const kind = transitionKind(row.transition);
    if (!kind) {
      store.markNotificationDead(row.id, `unknown transition ${JSON.stringify(row.transition)}`, null);
      count(row.sink, 'dead', report);
      return [];
    }
    const facts = toAlertFacts(row.incident, opts.signatures);
    return [
      {
        id: row.id,
        transition: row.transition,
        kind,
        sink: row.sink,
        createdAt: row.createdAt,
        attempts: row.attempts,
        facts,
      },
    ];
  }

  function acknowledge(s: SinkState, item: Notification, r: DeliveryResult, report: PassReport): void {
    const at = now();
    const fields = {
      sink: item.sink,
      notification: item.id,
      incident: item.facts.incidentId,
      transition: item.transition,
      attempts: item.attempts + 1,
    };
    if (r.outcome === 'sent') {
      store.markNotificationSent(item.id, at, r.response);
      log.info({ ...fields, status: r.status }, 'alert: notification sent');
    } else if (r.outcome === 'retry') {
      const next = at + (r.retryAfterMs ?? backoffDelay(item.attempts + 1, backoff, opts.random));
      store.markNotificationRetry(item.id, next, r.error);
      s.pausedUntil = Math.max(s.pausedUntil, next);
      log.warn(
        { ...fields, status: r.status, error: r.error, retryInMs: next - at },
        'alert: delivery failed; will retry',
      );
    } else {
      store.markNotificationDead(item.id, r.error, r.response);
      log.error(
        { ...fields, status: r.status, error: r.error, response: r.response },
        'alert: delivery refused; dead-lettered',
      );
    }
    count(item.sink, r.outcome, report);
  }

  /** Outbox rows of no incident (the digest), after the incident rows, same marks, stop at a retry. */
  async function postMessages(s: SinkState, report: PassReport): Promise<void> {
    for (const m of store.listDueMessages(s.sink.name, now(), batchLimit)) {
      if (now() < s.pausedUntil || abort.signal.aborted) return;
      let body: unknown;
      try {
        body = JSON.parse(m.body);
      } catch {
        store.markNotificationDead(m.id, 'stored message is not JSON', null);
        count(m.sink, 'dead', report);
        continue;
      }
      const r = await s.sink.post!(body, abort.signal);
      if (!r) return;
      const at = now();
      const fields = { sink: m.sink, notification: m.id, key: m.key, attempts: m.attempts + 1 };
      if (r.outcome === 'sent') {
        store.markNotificationSent(m.id, at, r.response);
        log.info({ ...fields, status: r.status }, 'alert: message sent');
      } else if (r.outcome === 'retry') {
        const next = at + (r.retryAfterMs ?? backoffDelay(m.attempts + 1, backoff, opts.random));
        store.markNotificationRetry(m.id, next, r.error);
        s.pausedUntil = Math.max(s.pausedUntil, next);
        log.warn(
          { ...fields, status: r.status, error: r.error, retryInMs: next - at },
          'alert: message delivery failed; will retry',
        );
      } else {
        store.markNotificationDead(m.id, r.error, r.response);
        log.error(
          { ...fields, status: r.status, error: r.error, response: r.response },
          'alert: message refused; dead-lettered',
        );
      }
      count(m.sink, r.outcome, report);
      if (r.outcome === 'retry') return;
    }
  }

  function count(sink: string, outcome: DeliveryResult['outcome'], report: PassReport): void {
    report[outcome] += 1;
    opts.metrics?.notifications.inc({ sink, outcome });
  }

  function updateGauges(): void {
    if (!opts.metrics) return;
    try {
      const stats = new Map(store.outboxStats(now()).map((st) => [st.sink, st]));
      for (const s of states) {
        const st = stats.get(s.sink.name);
        opts.metrics.outboxPending.set({ sink: s.sink.name }, st?.pending ?? 0);
        opts.metrics.outboxOldestPendingAge.set({ sink: s.sink.name }, (st?.oldestPendingAgeMs ?? 0) / 1000);
      }
    } catch (err) {
      log.warn({ err: errorText(err) }, 'alert: cannot read outbox stats');
    }
  }

  /** Reminder n of an incident confirmed n·repeatInterval ago (UNIQUE in the store: enqueued once). */
  function enqueueDueReminders(): void {
    const every = config.alerts.slack.repeatIntervalMs;
    const at = now();
    if (every <= 0 || at - lastReminderScan < Math.min(10_000, every / 2)) return;
    lastReminderScan = at;
    for (const inc of store.openIncidents()) {
      if (inc.state !== 'confirmed' || inc.confirmedAt === null) continue;
      const n = Math.floor((at - inc.confirmedAt) / every);
      if (n >= 1 && store.enqueueReminder(inc.id, n))
        log.info({ incident: inc.id, reminder: n }, 'alert: reminder enqueued');
    }
  }

  async function resendWith(sink: AlertmanagerSink): Promise<void> {
    const active = store.openIncidents().filter((i) => i.state === 'confirmed' || i.state === 'remediated');
    if (active.length === 0) return;
    const alerts = active.map((i) => sink.toAlert(toAlertFacts(store.get(i.id) ?? i, opts.signatures), false));
    const r = await sink.post(alerts, abort.signal);
    if (r.outcome === 'sent') log.debug({ alerts: alerts.length }, 'alert: active alerts re-sent to Alertmanager');
    else log.warn({ alerts: alerts.length, error: r.error, status: r.status }, 'alert: re-send to Alertmanager failed');
  }

  function resendActive(): Promise<void> {
    const s = states.find((st) => st.sink === am);
    if (!s || !am) return Promise.resolve();
    return withLock(s, () =>
      resendWith(am).catch((err) => log.error({ err: errorText(err) }, 'alert: re-send failed')),
    );
  }

  function schedule(s: SinkState, delayMs: number): void {
    if (!running) return;
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      s.timer = null;
      // After a 429 or a failure, the next pass is exactly when the pause ends (Retry-After is exact).
      void withLock(s, () => pass(s)).finally(() =>
        schedule(s, s.pausedUntil > now() ? s.pausedUntil - now() : pollMs),
      );
    }, delayMs);
    s.timer.unref();
  }

  function scheduleResend(): void {
    if (!running || !am) return;
    resendTimer = setTimeout(
      () => void resendActive().finally(scheduleResend),
      config.alerts.alertmanager.resendIntervalMs,
    );
    resendTimer.unref();
  }

  return {
    sinks: states.map((s) => s.sink.name),
    start() {
      if (running || abort.signal.aborted) return;
      running = true;
      for (const s of states) schedule(s, 0);
      scheduleResend();
      log.info({ sinks: states.map((s) => s.sink.name) }, 'alert: sender started');
    },
    async stop() {
      running = false;
      for (const s of states) if (s.timer) clearTimeout(s.timer);
      if (resendTimer) clearTimeout(resendTimer);
      abort.abort();
      await Promise.all(states.map((s) => s.chain));
    },
    drainOnce: () => Promise.all(states.map((s) => withLock(s, () => pass(s)))),
    poke() {
      for (const s of states) if (s.timer) schedule(s, 0);
    },
    resendActive,
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
