/**
 * The Slack incoming-webhook sink: groups a pass's due notifications by kind
 * (a burst of hung children gives one summary message), sends at most one
 * message per minIntervalMs to the webhook, and stops the pass at the first
 * failure (what was not attempted stays due).
 */
import { postJson, urlRedactor } from './http.js';
import { buildSlackMessage } from './slack-message.js';
import type { Sink } from './sink.js';
import { sleep } from '../util/sleep.js';
import { SLACK_SINK } from '../extension/sinks.js';
import type { MessageContext } from './describe.js';
import type { DeliveryResult, Notification, TransitionKind } from './types.js';

export interface SlackSinkOptions {
  webhookUrl: string;
  timeoutMs: number;
  /** Slack allows about one message per second per webhook. */
  minIntervalMs: number;
  /** How long the first 'opened' of a burst waits for the rest of the burst. */
  groupWaitMs: number;
  context: () => MessageContext;
  now: () => number;
}

export const SLACK_REDACTED = '<slack-webhook-url>';

export function createSlackSink(opts: SlackSinkOptions): Sink {
  const redact = urlRedactor(opts.webhookUrl, SLACK_REDACTED);
  let lastSentAt = -Infinity;
  /** One webhook POST, at most one per minIntervalMs; null when the wait was aborted. */
  const pacedPost = async (message: unknown, signal: AbortSignal): Promise<DeliveryResult | null> => {
    if (!(await sleep(lastSentAt + opts.minIntervalMs - opts.now(), signal))) return null;
    const result = await postJson(opts.webhookUrl, message, {
      timeoutMs: opts.timeoutMs,
      signal,
      redact,
      now: opts.now,
    });
    lastSentAt = opts.now();
    return result;
  };
  return {
    name: SLACK_SINK,
    async deliver(items, signal) {
      const results = new Map<number, DeliveryResult>();
      for (const group of groupForSlack(items, opts.now(), opts.groupWaitMs)) {
        const result = await pacedPost(buildSlackMessage(group, opts.context()), signal);
        if (!result) break;
        for (const item of group) results.set(item.id, result);
        if (result.outcome === 'retry') break;
      }
      return results;
    },
    post: pacedPost,
  };
}

/**
 * Messages for one pass, in the order their first item was enqueued: one
 * group per kind. (The store lists only the oldest pending row per incident
 * and sink, so an incident's 'resolved' never overtakes its 'opened'.)
 * 'opened' items wait until the oldest of them is groupWaitMs old, so a burst
 * recorded over several transactions of one tick still lands in one message.
 */
export function groupForSlack(items: Notification[], now: number, groupWaitMs: number): Notification[][] {
  const opened = items.filter((i) => i.kind === 'opened');
  const openedReady = opened.length === 0 || Math.min(...opened.map((i) => i.createdAt)) <= now - groupWaitMs;
  const groups = new Map<TransitionKind, Notification[]>();
  for (const item of [...items].sort((a, b) => a.createdAt - b.createdAt || a.id - b.id)) {
    if (item.kind === 'opened' && !openedReady) continue;
    const g = groups.get(item.kind) ?? [];
    g.push(item);
    groups.set(item.kind, g);
  }
  return [...groups.values()];
}
