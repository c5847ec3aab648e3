import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyResponse, parseRetryAfter, postJson, urlRedactor, MAX_RETRY_AFTER_MS } from '../../src/alert/http.js';
import { backoffDelay } from '../../src/alert/backoff.js';
import { combineResults } from '../../src/alert/alertmanager.js';
import { freePort } from '../helpers/alertmanager.js';

const NOW = Date.parse('2026-01-10T12:00:00Z');

test('Retry-After: seconds, HTTP-date, garbage, capped', () => {
  const rows: [string | null, number | null][] = [
    ['2', 2000], ['0', 0], [' 30 ', 30_000], ['1.5', 1500],
    ['Sat, 10 Jan 2026 12:00:05 GMT', 5000], ['Sat, 10 Jan 2026 11:00:00 GMT', 0],
    ['soon', null], ['', null], [null, null], ['-1', null], ['99999999', MAX_RETRY_AFTER_MS],
  ];
  for (const [v, want] of rows) assert.equal(parseRetryAfter(v, NOW), want, `Retry-After ${JSON.stringify(v)}`);
});

test('status → outcome: 2xx sent, 429/408/5xx retry, other 4xx and 3xx dead', () => {
  const rows: [number, string][] = [[200, 'sent'], [204, 'sent'], [301, 'dead'], [400, 'dead'], [403, 'dead'], [404, 'dead'], [410, 'dead'],
    [408, 'retry'], [429, 'retry'], [500, 'retry'], [502, 'retry'], [503, 'retry']];
  for (const [status, want] of rows) assert.equal(classifyResponse(status, null, '', NOW).outcome, want, `HTTP ${status}`);
  const r = classifyResponse(429, '7', 'rate_limited', NOW);
  assert.ok(r.outcome === 'retry' && r.retryAfterMs === 7000);
});

test('backoff: exponential, capped, jitter within [half, full]', () => {
  const p = { baseMs: 1000, maxMs: 60_000 };
  assert.deepEqual([1, 2, 3, 4, 10].map((n) => backoffDelay(n, p, () => 1)), [1000, 2000, 4000, 8000, 60_000]);
  assert.deepEqual([1, 2, 3].map((n) => backoffDelay(n, p, () => 0)), [500, 1000, 2000]);
  assert.equal(backoffDelay(1000, p, () => 1), 60_000);
});

test('the webhook URL and its secret path are redacted; a refused connection is a retry naming no URL', async () => {
  const url = 'https://hooks.slack.com/services/T1/B2/SeCrEt';
  const redact = urlRedactor(url, '<slack>');
  assert.equal(redact(`POST ${url} failed; path /services/T1/B2/SeCrEt`), 'POST <slack> failed; path <slack>');
  const port = await freePort();
  const secret = `http://127.0.0.1:${port}/services/T1/B2/SeCrEt`;
  const r = await postJson(secret, { text: 'x' }, { timeoutMs: 2000, redact: urlRedactor(secret, '<slack>') });
  assert.equal(r.outcome, 'retry');
  assert.ok(r.outcome === 'retry' && /ECONNREFUSED/.test(r.error) && !r.error.includes('SeCrEt'), r.outcome === 'retry' ? r.error : '');
});

test('several Alertmanagers: any retry wins (longest Retry-After), then dead, else sent', () => {
  const sent = { outcome: 'sent', status: 200, response: '' } as const;
  const retry = (ms: number | null) => ({ outcome: 'retry', status: 429, error: 'HTTP 429', response: '', retryAfterMs: ms }) as const;
  const dead = { outcome: 'dead', status: 400, error: 'HTTP 400', response: 'bad' } as const;
  assert.equal(combineResults([sent, sent]).outcome, 'sent');
  assert.equal(combineResults([sent, dead]).outcome, 'dead');
  const r = combineResults([retry(1000), dead, retry(3000)]);
  assert.ok(r.outcome === 'retry' && r.retryAfterMs === 3000);
});
