/**
 * The Slack digest job (`alerts.slack.digest`, a wall-clock job of
 * src/schedule/clock.ts): gathers open incidents, incidents resolved since
 * the previous digest, JVMs at risk (a provider the audit wiring supplies;
 * none today) and the outbox's undeliverable rows, renders one message
 * (digest-message.ts, redacted) and enqueues it in the outbox under the key
 * "digest:<fire time>", with the cursor, in one transaction. The alert sender
 * delivers it like any Slack alert: written once, sent once. A restart that
 * fires the same slot again finds the key (or the cursor) and adds nothing.
 */
import type { Config } from '../config/config.js';
import type { IncidentStore, IncidentSummary } from '../record/types.js';
import type { Logger } from '../util/logger.js';
import { buildDigestMessage } from './digest-message.js';
import type { AtRiskProvider, AtRiskTarget } from '../extension/scheduled-jobs.js';
import { SLACK_SINK } from '../extension/sinks.js';

export const DIGEST_JOB = 'digest';
/** store_meta: the fire time (ms) of the last digest enqueued. */
export const DIGEST_CURSOR = 'digest.lastFireAt';
const DAY_MS = 86_400_000;
/** Resolved incidents looked at per digest (pages of 1000, newest opened first). */
const MAX_RESOLVED_SCANNED = 10_000;

export interface DigestJobOptions {
  config: Config;
  store: IncidentStore;
  logger: Logger;
  /** Read at each run, so the audit wiring may set it after start. */
  atRisk: () => AtRiskProvider | null;
  now?: () => number;
}

export function createDigestJob(opts: DigestJobOptions): (firedAt: Date) => Promise<number> {
  const { store, config } = opts;
  const log = opts.logger.child({ job: DIGEST_JOB });
  const now = opts.now ?? Date.now;
  return async (firedAt) => {
    const fireMs = firedAt.getTime();
    const last = Number(store.meta(DIGEST_CURSOR) ?? NaN);
    if (Number.isFinite(last) && last >= fireMs) {
      log.info({ firedAt: firedAt.toISOString() }, 'digest: already enqueued for this time');
      return 0;
    }
    const since = Number.isFinite(last) ? last : fireMs - DAY_MS;
    const message = buildDigestMessage({
      host: store.host,
      firedAt: fireMs,
      since,
      first: !Number.isFinite(last),
      open: store.openIncidents(),
      resolved: resolvedBetween(store, since, fireMs),
      atRisk: await atRisk(opts.atRisk(), log),
      undeliverable: store.outboxStats(now()),
      publicUrl: config.publicUrl,
    });
    const key = `digest:${firedAt.toISOString()}`;
    const n = store.enqueueMessage(key, [SLACK_SINK], JSON.stringify(message), {
      name: DIGEST_CURSOR,
      value: String(fireMs),
    });
    log.info({ key, enqueued: n }, n > 0 ? 'digest: enqueued' : 'digest: already enqueued for this time');
    return n;
  };
}

async function atRisk(provider: AtRiskProvider | null, log: Logger): Promise<AtRiskTarget[]> {
  if (!provider) return [];
  try {
    return await provider();
  } catch (err) {
    log.warn({ err }, 'digest: the at-risk provider failed; the digest goes without it');
    return [];
  }
}

function resolvedBetween(store: IncidentStore, after: number, until: number): IncidentSummary[] {
  const out: IncidentSummary[] = [];
  let cursor: string | null = null;
  for (let seen = 0; seen < MAX_RESOLVED_SCANNED; seen += 1000) {
    const page = store.list({ state: 'resolved', limit: 1000, cursor });
    for (const i of page.items) if (i.resolvedAt !== null && i.resolvedAt > after && i.resolvedAt <= until) out.push(i);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return out.sort((a, b) => (a.resolvedAt ?? 0) - (b.resolvedAt ?? 0));
}
