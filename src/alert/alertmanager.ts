/**
 * The Alertmanager sink: POST /api/v2/alerts to every configured URL (an HA
 * Alertmanager cluster expects each client to send to every member). A
 * notification counts as sent when every URL accepted it; re-posting to one
 * that already had it is harmless (Alertmanager merges by label set).
 */
import { postJson, urlRedactor } from './http.js';
import { toAmAlert, type AmAlert, type AmContext } from './alertmanager-message.js';
import type { Sink } from './sink.js';
import { ALERTMANAGER_SINK } from '../extension/sinks.js';
import type { AlertFacts, DeliveryResult, Notification } from './types.js';

export interface AlertmanagerSinkOptions {
  urls: string[];
  timeoutMs: number;
  context: () => AmContext;
  now: () => number;
}

export interface AlertmanagerSink extends Sink {
  /** Post the given alerts to every URL (the periodic re-send of active alerts). */
  post(alerts: AmAlert[], signal: AbortSignal): Promise<DeliveryResult>;
  toAlert(facts: AlertFacts, resolved: boolean): AmAlert;
}

export function alertsEndpoint(url: string): string {
  return `${url.replace(/\/+$/, '')}/api/v2/alerts`;
}

export function createAlertmanagerSink(opts: AlertmanagerSinkOptions): AlertmanagerSink {
  const endpoints = opts.urls.map((u) => ({
    url: alertsEndpoint(u),
    redact: urlRedactor(u.includes('@') ? u : null, '<alertmanager-url>'),
  }));
  const post = async (alerts: AmAlert[], signal: AbortSignal): Promise<DeliveryResult> => {
    const results = await Promise.all(
      endpoints.map((e) =>
        postJson(e.url, alerts, { timeoutMs: opts.timeoutMs, signal, redact: e.redact, now: opts.now }),
      ),
    );
    return combineResults(results);
  };
  const toAlert = (f: AlertFacts, resolved: boolean) => toAmAlert(f, resolved, opts.context());
  return {
    name: ALERTMANAGER_SINK,
    post,
    toAlert,
    async deliver(items: Notification[], signal: AbortSignal) {
      const out = new Map<number, DeliveryResult>();
      if (items.length === 0) return out;
      const result = await post(latestAlerts(items, toAlert), signal);
      if (result.outcome === 'dead' && items.length > 1) {
        // One alert Alertmanager refuses must not dead-letter the others: send each alone.
        for (const item of items) out.set(item.id, await post([toAlert(item.facts, item.kind === 'resolved')], signal));
        return out;
      }
      for (const item of items) out.set(item.id, result);
      return out;
    },
  };
}

/** One alert per incident: its latest notification's state (opened then resolved in one pass: resolved). */
function latestAlerts(items: Notification[], toAlert: (f: AlertFacts, resolved: boolean) => AmAlert): AmAlert[] {
  const latest = new Map<string, Notification>();
  for (const item of [...items].sort((a, b) => a.createdAt - b.createdAt || a.id - b.id))
    latest.set(item.facts.incidentId, item);
  return [...latest.values()].map((i) => toAlert(i.facts, i.kind === 'resolved'));
}

/** Worst wins: any retry → retry (longest Retry-After), else any dead → dead, else sent. */
export function combineResults(results: DeliveryResult[]): DeliveryResult {
  const retries = results.filter((r): r is Extract<DeliveryResult, { outcome: 'retry' }> => r.outcome === 'retry');
  const response = results
    .map((r) => `${r.status ?? '-'} ${r.response ?? ''}`.trim())
    .join(' | ')
    .slice(0, 2048);
  if (retries.length > 0) {
    const waits = retries.map((r) => r.retryAfterMs).filter((w): w is number => w !== null);
    return {
      outcome: 'retry',
      status: retries[0]!.status,
      error: retries.map((r) => r.error).join('; '),
      response,
      retryAfterMs: waits.length > 0 ? Math.max(...waits) : null,
    };
  }
  const dead = results.find((r): r is Extract<DeliveryResult, { outcome: 'dead' }> => r.outcome === 'dead');
  if (dead) return { ...dead, response };
  return { outcome: 'sent', status: results[0]?.status ?? 200, response };
}
