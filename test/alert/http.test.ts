import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  classifyResponse,
  parseRetryAfter,
  postJson,
  urlRedactor,
  MAX_RESPONSE_CHARS,
  MAX_RETRY_AFTER_MS,
} from '../../src/alert/http.js';
import type { DeliveryResult } from '../../src/alert/types.js';
import { backoffDelay } from '../../src/alert/backoff.js';
import { combineResults } from '../../src/alert/alertmanager.js';
import { freePort } from '../helpers/alertmanager.js';

const NOW = Date.parse('2026-01-10T12:00:00Z');

test('Retry-After: seconds, HTTP-date, garbage, capped', () => {
  const rows: [string | null, number | null][] = [
    ['2', 2000],
    ['0', 0],
    [' 30 ', 30_000],
    ['1.5', 1500],
    ['Sat, 10 Jan 2026 12:00:05 GMT', 5000],
    ['Sat, 10 Jan 2026 11:00:00 GMT', 0],
    ['soon', null],
    ['', null],
    [null, null],
    ['-1', null],
    ['99999999', MAX_RETRY_AFTER_MS],
  ];
  for (const [v, want] of rows) assert.equal(parseRetryAfter(v, NOW), want, `Retry-After ${JSON.stringify(v)}`);
});

test('status → outcome: 2xx sent, 429/408/5xx retry, other 4xx and 3xx dead', () => {
  const rows: [number, string][] = [
    [200, 'sent'],
    [204, 'sent'],
    [301, 'dead'],
    [400, 'dead'],
    [403, 'dead'],
    [404, 'dead'],
    [410, 'dead'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
  ];
  for (const [status, want] of rows)
    assert.equal(classifyResponse(status, null, '', NOW).outcome, want, `HTTP ${status}`);
  const r = classifyResponse(429, '7', 'rate_limited', NOW);
  assert.ok(r.outcome === 'retry' && r.retryAfterMs === 7000);
});

test('backoff: exponential, capped, jitter within [half, full]', () => {
  const p = { baseMs: 1000, maxMs: 60_000 };
  assert.deepEqual(
    [1, 2, 3, 4, 10].map((n) => backoffDelay(n, p, () => 1)),
    [1000, 2000, 4000, 8000, 60_000],
  );
  assert.deepEqual(
    [1, 2, 3].map((n) => backoffDelay(n, p, () => 0)),
    [500, 1000, 2000],
  );
  assert.equal(
    backoffDelay(1000, p, () => 1),
    60_000,
  );
});

test('the webhook URL and its secret path are redacted; a refused connection is a retry naming no URL', async () => {
  const url = 'https://hooks.slack.com/services/T1/B2/SeCrEt';
  const redact = urlRedactor(url, '<slack>');
  assert.equal(redact(`POST ${url} failed; path /services/T1/B2/SeCrEt`), 'POST <slack> failed; path <slack>');
  const port = await freePort();
  const secret = `http://127.0.0.1:${port}/services/T1/B2/SeCrEt`;
  const r = await postJson(secret, { text: 'x' }, { timeoutMs: 2000, redact: urlRedactor(secret, '<slack>') });
  assert.equal(r.outcome, 'retry');
  assert.ok(
    r.outcome === 'retry' && /ECONNREFUSED/.test(r.error) && !r.error.includes('SeCrEt'),
    r.outcome === 'retry' ? r.error : '',
  );
});

test('several Alertmanagers: any retry wins (longest Retry-After), then dead, else sent', () => {
  const sent = { outcome: 'sent', status: 200, response: '' } as const;
  const retry = (ms: number | null) =>
    ({ outcome: 'retry', status: 429, error: 'HTTP 429', response: '', retryAfterMs: ms }) as const;
  const dead = { outcome: 'dead', status: 400, error: 'HTTP 400', response: 'bad' } as const;
  assert.equal(combineResults([sent, sent]).outcome, 'sent');
  assert.equal(combineResults([sent, dead]).outcome, 'dead');
  const r = combineResults([retry(1000), dead, retry(3000)]);
  assert.ok(r.outcome === 'retry' && r.retryAfterMs === 3000);
});

interface TestServer {
  url: string;
  /** Resolves once every connection the server accepted is closed again; rejects after 2 s (a lingering socket). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 (port 0) answering with handler; close() also drops stalled connections. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const server = createServer(handler);
  const open = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    idle: async () => {
      for (const t0 = Date.now(); open.size > 0; await delay(10)) {
        if (Date.now() - t0 > 2000) throw new Error(`${open.size} socket(s) still open after the call returned`);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers every request with status, headers and body once its request body has been read. */
function answer(status: number, headers: Record<string, string>, body: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    req.on('end', () => res.writeHead(status, headers).end(body));
  };
}

async function postTo(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  timeoutMs = 5000,
): Promise<DeliveryResult> {
  const srv = await serve(handler);
  try {
    const r = await postJson(`${srv.url}/hook`, { text: 'x' }, { timeoutMs });
    await srv.idle();
    return r;
  } finally {
    await srv.close();
  }
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await run();
  return [r, performance.now() - t0];
}

test('the request: POST, JSON body with its byte length, no keep-alive; socket closed, abort listener removed', async () => {
  const seen: { method?: string; headers?: IncomingMessage['headers']; body?: string } = {};
  const srv = await serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      Object.assign(seen, { method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok from /services/T1/B2/SeCrEt');
    });
  });
  try {
    const url = `${srv.url}/services/T1/B2/SeCrEt`;
    const stop = new AbortController();
    const body = { text: 'héllo € 😀', n: 1 };
    const r = await postJson(url, body, { timeoutMs: 5000, signal: stop.signal, redact: urlRedactor(url, '<slack>') });
    assert.deepEqual(r, { outcome: 'sent', status: 200, response: 'ok from <slack>' });
    assert.equal(seen.method, 'POST');
    assert.equal(seen.headers?.['content-type'], 'application/json; charset=utf-8');
    assert.equal(seen.headers?.['content-length'], String(Buffer.byteLength(JSON.stringify(body))));
    assert.equal(seen.headers?.connection, 'close');
    assert.deepEqual(JSON.parse(seen.body ?? ''), body);
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0, 'abort listener left on the sender signal');
    await srv.idle();
  } finally {
    await srv.close();
  }
});

test('429 with Retry-After seconds → retry with the delay and the response text', async () => {
  const r = await postTo(answer(429, { 'retry-after': '7' }, 'rate_limited'));
  assert.deepEqual(r, {
    outcome: 'retry',
    status: 429,
    error: 'HTTP 429 rate limited',
    response: 'rate_limited',
    retryAfterMs: 7000,
  });
});

test('503 → retry; 400 → dead with the response text', async () => {
  assert.deepEqual(await postTo(answer(503, {}, 'down')), {
    outcome: 'retry',
    status: 503,
    error: 'HTTP 503',
    response: 'down',
    retryAfterMs: null,
  });
  assert.deepEqual(await postTo(answer(400, {}, 'invalid_payload')), {
    outcome: 'dead',
    status: 400,
    error: 'HTTP 400 (permanent)',
    response: 'invalid_payload',
  });
});

test('a 301 is not followed: dead, and the Location is never requested', async () => {
  let followed = 0;
  const r = await postTo((req, res) => {
    req.resume();
    if (req.url === '/elsewhere') followed++;
    req.on('end', () => res.writeHead(301, { location: '/elsewhere' }).end('moved'));
  });
  assert.deepEqual(r, { outcome: 'dead', status: 301, error: 'HTTP 301 (permanent)', response: 'moved' });
  assert.equal(followed, 0);
});

test('a server that never answers → retry "timeout after N ms", on time', async () => {
  const [r, ms] = await timed(() => postTo(() => undefined, 300));
  assert.deepEqual(r, {
    outcome: 'retry',
    status: null,
    error: 'timeout after 300 ms',
    response: null,
    retryAfterMs: null,
  });
  assert.ok(ms >= 250 && ms < 2000, `took ${ms} ms`);
});

test('headers then a stalled body → the same timeout (it covers the body too)', async () => {
  const [r, ms] = await timed(() =>
    postTo((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    }, 300),
  );
  assert.ok(r.outcome === 'retry' && r.error === 'timeout after 300 ms', JSON.stringify(r));
  assert.ok(ms >= 250 && ms < 2000, `took ${ms} ms`);
});

test('a body that trickles forever still times out: the limit is total, not per read', async () => {
  let ticker: NodeJS.Timeout | undefined;
  const [r, ms] = await timed(() =>
    postTo((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      ticker = setInterval(() => res.write('.'), 50);
      res.on('close', () => clearInterval(ticker));
    }, 400),
  );
  clearInterval(ticker);
  assert.ok(r.outcome === 'retry' && r.error === 'timeout after 400 ms', JSON.stringify(r));
  assert.ok(ms >= 350 && ms < 2000, `took ${ms} ms`);
});

test('opts.signal aborts early (and an already aborted signal sends nothing)', async () => {
  let requests = 0;
  const srv = await serve(() => {
    requests++;
  });
  try {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    const [r, ms] = await timed(() => postJson(srv.url, {}, { timeoutMs: 10_000, signal: stop.signal }));
    assert.deepEqual(r, {
      outcome: 'retry',
      status: null,
      error: 'aborted (sender stopping)',
      response: null,
      retryAfterMs: null,
    });
    assert.ok(ms < 2000, `took ${ms} ms`);
    await srv.idle();
    const before = requests;
    const again = await postJson(srv.url, {}, { timeoutMs: 10_000, signal: stop.signal });
    assert.ok(again.outcome === 'retry' && again.error === 'aborted (sender stopping)');
    assert.equal(requests, before);
  } finally {
    await srv.close();
  }
});

test('a closed port → retry naming ECONNREFUSED', async () => {
  const port = await freePort();
  const r = await postJson(`http://127.0.0.1:${port}/`, {}, { timeoutMs: 2000 });
  assert.ok(
    r.outcome === 'retry' &&
      r.status === null &&
      /^network error: ECONNREFUSED \(connect ECONNREFUSED 127\.0\.0\.1:[0-9]+\)$/.test(r.error),
    JSON.stringify(r),
  );
});

test('a 10 MB response: text capped at MAX_RESPONSE_CHARS, returns promptly, the connection is dropped', async () => {
  const total = 10 * 1024 * 1024;
  let serverSide: Promise<{ finished: boolean }> | undefined;
  const srv = await serve((req, res) => {
    req.resume();
    serverSide = new Promise((resolve) => res.on('close', () => resolve({ finished: res.writableFinished })));
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(total) });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = (): void => {
      while (sent < total && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (sent >= total) res.end();
    };
    pump();
  });
  try {
    const [r, ms] = await timed(() => postJson(srv.url, {}, { timeoutMs: 10_000 }));
    assert.ok(r.outcome === 'sent', JSON.stringify(r).slice(0, 200));
    assert.equal(r.response, 'a'.repeat(MAX_RESPONSE_CHARS));
    assert.ok(ms < 2000, `took ${ms} ms`);
    assert.deepEqual(
      await serverSide,
      { finished: false },
      'the client read the whole 10 MB instead of dropping the connection',
    );
    await srv.idle();
  } finally {
    await srv.close();
  }
});

test('multi-byte UTF-8 split across chunks is decoded whole', async () => {
  const text = 'é € 😀 ok';
  const bytes = Buffer.from(text, 'utf8');
  const r = await postTo((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    let i = 0;
    const next = (): void => {
      if (i >= bytes.length) return void res.end();
      res.write(bytes.subarray(i, ++i)); // one byte per chunk, apart in time
      setTimeout(next, 5);
    };
    next();
  });
  assert.deepEqual(r, { outcome: 'sent', status: 200, response: text });
});

test('a protocol other than http:/https: (or no URL at all) is dead and named, without a request', async () => {
  const ftp = await postJson('ftp://127.0.0.1/services/T1/B2/SeCrEt', {}, { timeoutMs: 1000 });
  assert.ok(ftp.outcome === 'dead' && ftp.error.includes('"ftp:"'), JSON.stringify(ftp));
  const bad = await postJson('not a url /services/x', {}, { timeoutMs: 1000, redact: (s) => s });
  assert.ok(bad.outcome === 'dead' && bad.error === 'invalid URL', JSON.stringify(bad));
});

/**
 * The point of node:http: a child node (tsx, as scripts/run-tests.mjs runs
 * tests) POSTs to its own loopback server and reports whether undici (and
 * with it the llhttp wasm, ~10 MB RSS) was loaded. The same probe with the
 * global fetch is the control that shows the probe can see undici.
 */
const PROBE = `
import { createServer } from 'node:http';
const [mode, moduleUrl] = process.argv.slice(1);
const undici = () => process.moduleLoadList.filter((m) => m.toLowerCase().includes('undici'));
const before = undici();
const server = createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = 'http://127.0.0.1:' + server.address().port + '/';
const outcome = mode === 'fetch'
  ? String((await fetch(url, { method: 'POST', body: '{}' })).status)
  : (await (await import(moduleUrl)).postJson(url, {}, { timeoutMs: 5000 })).outcome;
server.closeAllConnections();
server.close();
console.log(JSON.stringify({ before, outcome, after: undici() }));
`;

function probe(mode: 'postJson' | 'fetch'): { before: string[]; outcome: string; after: string[] } {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const moduleUrl = new URL('../../src/alert/http.ts', import.meta.url).href;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROBE, mode, moduleUrl], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, `probe (${mode}) failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as { before: string[]; outcome: string; after: string[] };
}

test('postJson does not load undici (the fetch control does)', () => {
  const control = probe('fetch');
  assert.deepEqual(control.before, []);
  assert.equal(control.outcome, '200');
  assert.ok(control.after.length > 0, 'the probe cannot see undici even when fetch is used');
  const ours = probe('postJson');
  assert.deepEqual(ours, { before: [], outcome: 'sent', after: [] });
});
