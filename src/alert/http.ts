/**
 * One JSON POST with a hard timeout, turned into a DeliveryResult: sent,
 * retry (network error, timeout, 408, 429, 5xx) or dead (any other 4xx, 3xx,
 * a URL that is not http: or https:). Never throws. URLs are secrets (a Slack
 * webhook URL is a credential): the caller's redact() is applied to every
 * error and response text kept.
 *
 * node:http/node:https rather than the global fetch: the first fetch in a
 * Node 20 process loads undici and compiles its llhttp WebAssembly parser,
 * measured at about +10 MB RSS (≈5.8 MB file-backed, ≈4.6 MB anonymous) kept
 * for the life of the daemon, whose whole RSS budget is 80 MB.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { StringDecoder } from 'node:string_decoder';
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

/** What came back, or (a string) why nothing usable did. */
type Exchange = { status: number; retryAfter: string | null; text: string } | string;
type Target = { url: URL; send: typeof httpRequest };

export async function postJson(url: string, body: unknown, opts: PostOptions): Promise<DeliveryResult> {
  const redact = opts.redact ?? ((s: string) => s);
  const target = resolveTarget(url);
  // Status 0: no HTTP exchange took place, and retrying cannot make this URL work.
  if (typeof target === 'string') return { outcome: 'dead', status: 0, error: redact(target), response: '' };
  let got: Exchange;
  try {
    got = await exchange(target, body, opts);
  } catch (err) {
    got = describeError(err); // a synchronous throw (bad body, bad header): still no exception for the caller
  }
  if (typeof got === 'string')
    return { outcome: 'retry', status: null, error: redact(got), response: null, retryAfterMs: null };
  return classifyResponse(got.status, got.retryAfter, redact(got.text), (opts.now ?? Date.now)());
}

/** Pure: what an HTTP status means for delivery. */
export function classifyResponse(status: number, retryAfter: string | null, text: string, now: number): DeliveryResult {
  if (status >= 200 && status < 300) return { outcome: 'sent', status, response: text };
  if (status === 429) {
    return {
      outcome: 'retry',
      status,
      error: `HTTP 429 rate limited`,
      response: text,
      retryAfterMs: parseRetryAfter(retryAfter, now),
    };
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

function resolveTarget(url: string): Target | string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'invalid URL'; // no detail: TypeError's input is the URL, a secret
  }
  if (parsed.protocol === 'http:') return { url: parsed, send: httpRequest };
  if (parsed.protocol === 'https:') return { url: parsed, send: httpsRequest };
  return `unsupported protocol ${JSON.stringify(parsed.protocol)} (only http: and https: are sent)`;
}

/**
 * One request on its own socket (agent: false: no keep-alive, nothing lingers),
 * bounded as a whole by timeoutMs. Every way out goes through finish(), which
 * clears the timer and the abort listener and destroys the socket; the first
 * call wins, later events (errors from that destroy) are ignored.
 */
function exchange(target: Target, body: unknown, opts: PostOptions): Promise<Exchange> {
  return new Promise((resolve) => {
    if (opts.signal?.aborted) return resolve('aborted (sender stopping)');
    const payload = JSON.stringify(body);
    const req = target.send(target.url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) },
    });
    const finish = (result: Exchange): void => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(result);
      req.destroy();
    };
    const onAbort = (): void => finish('aborted (sender stopping)');
    const timer = setTimeout(() => finish(`timeout after ${opts.timeoutMs} ms`), opts.timeoutMs);
    timer.unref(); // cleared on every path anyway; never what keeps the process alive
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => finish(describeError(err)));
    req.on('response', (res) => readCapped(res, MAX_RESPONSE_CHARS, finish));
    req.end(payload);
  });
}

/** Reads at most maxChars characters of the body (UTF-8 split across chunks decoded whole), then finishes. */
function readCapped(res: IncomingMessage, maxChars: number, finish: (result: Exchange) => void): void {
  const header = res.headers['retry-after'];
  const done = (text: string): void => finish({ status: res.statusCode ?? 0, retryAfter: header ?? null, text });
  const decoder = new StringDecoder('utf8');
  let text = '';
  res.on('data', (chunk: Buffer) => {
    text += decoder.write(chunk);
    if (text.length >= maxChars) done(text.slice(0, maxChars)); // finish destroys the socket: no more is read
  });
  res.on('end', () => done(text + decoder.end()));
  res.on('error', (err) => finish(describeError(err)));
  res.on('close', () => finish('network error: connection closed before the response ended'));
}

/** node:http errors carry the errno code themselves (ECONNREFUSED, ENOTFOUND, ECONNRESET). */
function describeError(err: unknown): string {
  const e = err as (Error & { code?: unknown }) | undefined;
  if (typeof e?.code === 'string') return `network error: ${e.code}${e.message ? ` (${e.message})` : ''}`;
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
