/**
 * One JSON POST with a hard timeout, turned into a DeliveryResult: sent,
 * retry (network error, timeout, 408, 429, 5xx) or dead (any other 4xx, 3xx).
 * Never throws. URLs are secrets (a Slack webhook URL is a credential): the
 * caller's redact() is applied to every error and response text kept.
 */
import type { DeliveryResult } from './types.js';

/** Response bodies are kept (in the outbox and the API) up to this many characters. */
export const MAX_RESPONSE_CHARS = 2048;
/** A Retry-After longer than this is treated as this (a broken header must not park alerts for days). */
export const MAX_RETRY_AFTER_MS = 3_600_000;

export interface PostOptions {
  timeoutMs: number;
  /** Aborts the request early (sender stopping). */
  signal?: AbortSignal;
  redact?: (text: string) => string;
  now?: () => number;
}

export async function postJson(url: string, body: unknown, opts: PostOptions): Promise<DeliveryResult> {
  const redact = opts.redact ?? ((s: string) => s);
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal,
      redirect: 'manual',
    });
    const text = redact(await readCapped(res, MAX_RESPONSE_CHARS));
    return classifyResponse(res.status, res.headers.get('retry-after'), text, (opts.now ?? Date.now)());
  } catch (err) {
    const why = timeout.aborted ? `timeout after ${opts.timeoutMs} ms` : describeFetchError(err);
    return { outcome: 'retry', status: null, error: redact(why), response: null, retryAfterMs: null };
  }
}

/** Pure: what an HTTP status means for delivery. */
export function classifyResponse(status: number, retryAfter: string | null, text: string, now: number): DeliveryResult {
  if (status >= 200 && status < 300) return { outcome: 'sent', status, response: text };
  if (status === 429) {
    return { outcome: 'retry', status, error: `HTTP 429 rate limited`, response: text, retryAfterMs: parseRetryAfter(retryAfter, now) };
  }
  if (status >= 500 || status === 408) {
    return { outcome: 'retry', status, error: `HTTP ${status}`, response: text, retryAfterMs: null };
  }
  return { outcome: 'dead', status, error: `HTTP ${status} (permanent)`, response: text };
}

/** Retry-After as delta-seconds or an HTTP-date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const v = value.trim().slice(0, 64);
  if (/^[0-9]{1,9}(\.[0-9]{1,3})?$/.test(v)) return Math.min(Math.round(Number(v) * 1000), MAX_RETRY_AFTER_MS);
  // Only an IMF-fixdate (RFC 9110): Date.parse alone reads "-1" or "2" as years.
  if (!/^[A-Za-z]{3}, [0-9]{2} [A-Za-z]{3} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/.test(v)) return null;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

async function readCapped(res: Response, maxChars: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (text.length >= maxChars) {
      await reader.cancel().catch(() => undefined);
      return text.slice(0, maxChars);
    }
  }
  return text + decoder.decode();
}

function describeFetchError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'AbortError') return 'aborted (sender stopping)';
  const cause = e?.cause;
  if (cause?.code) return `network error: ${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  if (cause?.message) return `network error: ${cause.message}`;
  return `network error: ${e?.message ?? String(err)}`;
}

/** Redacts a secret URL (and its path, which is the secret part of a Slack webhook) from texts. */
export function urlRedactor(url: string | null, label: string): (text: string) => string {
  if (!url) return (s) => s;
  const needles = [url];
  try {
    const u = new URL(url);
    if (u.pathname.length > 1) needles.push(u.pathname);
    if (u.password) needles.push(u.password);
  } catch {
    // not a URL: the whole string is still redacted
  }
  return (text) => needles.reduce((t, n) => t.split(n).join(label), text);
}
