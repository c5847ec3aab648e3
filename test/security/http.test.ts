/**
 * Every route of the full app (core routes and every extension's, walked from
 * app.routeList, so a route added later is covered without editing this
 * file): Host allow-list, content type, token before body, raw kernel
 * evidence and secrets out of unauthenticated answers. Then over real HTTP:
 * the per-client rate limit, the in-flight cap, and /healthz staying fast
 * while /api/v1/classify gets adversarial stacks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDaemon, type DaemonExtension } from '../../src/daemon/index.js';
import { createMetrics } from '../../src/extension/metrics.js';
import { createAlertExtension } from '../../src/alert/index.js';
import { createStatusPage } from '../../src/page/extension.js';
import { createBundleExtension } from '../../src/bundle/extension.js';
import { createRemediationExtension } from '../../src/remediate/extension.js';
import { loadMatcher } from '../../src/stages/build.js';
import { GET_RATE_LIMIT, MAX_IN_FLIGHT, METRICS_RATE_LIMIT } from '../../src/expose/server.js';
import { DIAGNOSE_MAX_THREADS } from '../../src/expose/routes/signatures.js';
import type { ForkwatchApp } from '../../src/extension/context.js';
import type { MatchPort } from '../../src/match/port.js';
import { silentLogger } from '../../src/util/logger.js';
import {
  DEADLOCK_FRAMES,
  child,
  fakeEvidence,
  fakeMatcher,
  fakeScanner,
  report,
  tempStore,
  testConfig,
} from '../expose/fakes.js';

const TOKEN = 'security-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const SECRET = 'f3a9c1e07b2d48d6a5c4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2';
const CMDLINE = `java\0-jar\0agent.jar\0-jnlpUrl\0http://ci:8080/computer/a1/jenkins-agent.jnlp\0-secret\0${SECRET}\0-Dhudson.password=${SECRET}x\0`;
const SYSCALL_RAW = '202 0x1 0x80 0x2 0x0 0x0 0x0 0x7ff 0x7ff';

interface Setup {
  app: ForkwatchApp;
  incidentId: string;
}

async function setup(
  t: import('node:test').TestContext,
  opts: { extensions?: DaemonExtension[]; matcher?: MatchPort; over?: Record<string, unknown> } = {},
): Promise<Setup> {
  const s = tempStore(['slack']);
  const hung = child(201);
  hung.child.cmdline = Buffer.from(CMDLINE);
  const scanner = fakeScanner(report([hung, child(202, 'execed', false)]));
  const config = testConfig({
    auth: { token: TOKEN },
    publicUrl: 'https://forkwatch.example.org/',
    remediation: { mode: 'dry-run' },
    ...opts.over,
  });
  const daemon = createDaemon({
    config,
    logger: silentLogger(),
    store: s.store,
    stages: {
      scanner,
      evidence: fakeEvidence(new Map([[201, DEADLOCK_FRAMES]]), new Set([201])),
      matcher: opts.matcher ?? fakeMatcher(),
    },
    metrics: createMetrics(),
    extensions: opts.extensions ?? [
      createAlertExtension(),
      createStatusPage(),
      createBundleExtension(),
      createRemediationExtension(),
    ],
  });
  const app = await daemon.buildApp();
  await app.ready();
  t.after(async () => {
    await app.close();
    await daemon.stop();
    s.cleanup();
  });
  await daemon.runScan();
  const incidentId = s.store.list({ limit: 1 }).items[0]!.id;
  return { app, incidentId };
}

/** Every registered route with its parameters filled in (HEAD twins of GET routes included). */
function routesOf(app: ForkwatchApp, incidentId: string): { method: string; url: string; pattern: string }[] {
  assert.ok(app.routeList.length >= 15, `only ${app.routeList.length} routes seen`);
  return app.routeList.map((r) => ({
    method: r.method,
    pattern: r.url,
    url: r.url.replace(/:id\b/g, incidentId).replace(/\*$/, 'x'),
  }));
}

function assertErrorShape(res: { statusCode: number; body: string; json(): unknown }, status: number, what: string) {
  assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 300)}`);
  assert.deepEqual(Object.keys(res.json() as object).sort(), ['error', 'message', 'statusCode'], what);
}

test('every route: a foreign Host is refused with 421 in the one error shape; loopback names and the publicUrl host pass', async (t) => {
  const { app, incidentId } = await setup(t);
  for (const r of routesOf(app, incidentId)) {
    const method = r.method as 'GET';
    for (const host of [
      'evil.example',
      'evil.example:9710',
      '127.0.0.1.nip.io',
      'localhost.evil.example',
      '10.0.0.1',
    ]) {
      const res = await app.inject({ method, url: r.url, headers: { host, ...AUTH } });
      if ((method as string) === 'HEAD') assert.equal(res.statusCode, 421, `${r.method} ${r.pattern} Host ${host}`);
      else assertErrorShape(res, 421, `${r.method} ${r.pattern} Host ${host}`);
    }
    for (const host of [
      'localhost',
      'localhost:9710',
      '127.0.0.1',
      '127.0.0.1:9710',
      '[::1]',
      '[::1]:9710',
      'forkwatch.example.org',
      'FORKWATCH.example.org:443',
      'page.localhost',
    ]) {
      const res = await app.inject({ method, url: r.url, headers: { host } });
      assert.notEqual(res.statusCode, 421, `${r.method} ${r.pattern} Host ${host}: ${res.body.slice(0, 200)}`);
    }
  }
});

test('Host is not checked when listening beyond loopback (a proxy or the pod network names the host)', async (t) => {
  const { app } = await setup(t, { over: { listen: { host: '0.0.0.0', port: 0 } } });
  assert.equal(
    (await app.inject({ url: '/api/v1/incidents', headers: { host: 'forkwatch.internal:9710' } })).statusCode,
    200,
  );
});

test('every state-changing route: token before body (401 with a bad body), JSON only (415), then validation (400)', async (t) => {
  const { app, incidentId } = await setup(t);
  const mutating = routesOf(app, incidentId).filter((r) => !['GET', 'HEAD'].includes(r.method));
  assert.ok(mutating.length >= 3, mutating.map((r) => r.pattern).join(', '));
  for (const r of mutating) {
    const method = r.method as 'POST';
    const what = `${r.method} ${r.pattern}`;
    const isPublic = r.pattern === '/api/v1/classify';
    // A cross-site "simple" request: text/plain and form bodies are refused whoever sends them.
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await app.inject({
        method,
        url: r.url,
        headers: { ...AUTH, 'content-type': type },
        payload: 'stack=x',
      });
      assertErrorShape(res, 415, `${what} ${type}`);
    }
    if (isPublic) continue;
    assertErrorShape(
      await app.inject({
        method,
        url: r.url,
        headers: { 'content-type': 'application/json' },
        payload: '{"reason": 12, "bogus": [',
      }),
      401,
      `${what} no token, broken body`,
    );
    assertErrorShape(
      await app.inject({ method, url: r.url, headers: { 'content-type': 'text/plain' }, payload: 'x' }),
      401,
      `${what} no token, text body`,
    );
    assertErrorShape(
      await app.inject({
        method,
        url: r.url,
        headers: { authorization: 'Bearer wrong-wrong-wrong-wrong' },
        payload: { bogus: 1 },
      }),
      401,
      `${what} wrong token`,
    );
    const authed = await app.inject({
      method,
      url: r.url,
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: '{"bogus": [',
    });
    assertErrorShape(authed, 400, `${what} token, broken JSON`);
  }
});

test('routes declaring the bearer scheme answer 401 without it, whatever the method', async (t) => {
  const { app, incidentId } = await setup(t);
  const doc = (await app.inject('/openapi.json')).json() as {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  const secured = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => op.security?.length)
      .map(([m]) => ({ method: m.toUpperCase(), url: path.replace('{id}', incidentId) })),
  );
  assert.ok(secured.length >= 3);
  for (const r of secured)
    assertErrorShape(await app.inject({ method: r.method as 'GET', url: r.url }), 401, `${r.method} ${r.url}`);
});

test('every GET route: no agent secret ever; raw /proc syscall lines and absolute addresses only with the token', async (t) => {
  const { app, incidentId } = await setup(t);
  const gets = routesOf(app, incidentId).filter((r) => r.method === 'GET' && !r.pattern.endsWith('/core'));
  const full = (await app.inject({ url: `/api/v1/incidents/${incidentId}`, headers: AUTH })).json() as {
    evidence: { kernel: { syscall: string | null; futexWaitPrivate: boolean }[]; child: { cmdline: string } };
  };
  assert.equal(full.evidence.kernel[0]!.syscall, SYSCALL_RAW, 'the token shows the raw line');
  assert.match(full.evidence.child.cmdline, /-secret <redacted> -Dhudson\.password=<redacted>/, 'stored redacted');
  for (const r of gets) {
    for (const headers of [{}, AUTH]) {
      const res = await app.inject({ url: r.url, headers });
      assert.ok(res.statusCode < 500, `${r.pattern}: ${res.statusCode}`);
      assert.ok(
        !res.body.includes(SECRET.slice(0, 16)),
        `${r.pattern} shows the secret (token: ${'authorization' in headers})`,
      );
      if (!('authorization' in headers)) {
        assert.ok(
          !res.body.includes(SYSCALL_RAW) && !res.body.includes('0x80 0x2'),
          `${r.pattern} shows /proc/PID/syscall without the token`,
        );
        assert.doesNotMatch(res.body, /0x[0-9a-f]{8,}/i, `${r.pattern} shows an absolute address without the token`);
      }
    }
  }
  const open = (await app.inject(`/api/v1/incidents/${incidentId}`)).json() as typeof full;
  assert.equal(open.evidence.kernel[0]!.syscall, null);
  assert.equal(open.evidence.kernel[0]!.futexWaitPrivate, true, 'the verdict stays visible');
});

test('/api/v1/classify: a threads budget answered 413 naming the limit', async (t) => {
  const { app } = await setup(t, {
    extensions: [],
    matcher: loadMatcher({ signatures: { paths: [] } }, silentLogger()),
  });
  const stack = Array.from(
    { length: DIAGNOSE_MAX_THREADS + 1 },
    (_, i) => `TID ${i + 1}:\n#0  0x00007f0000000001 nanosleep`,
  ).join('\n');
  const res = await app.inject({ method: 'POST', url: '/api/v1/classify', payload: { stack } });
  assertErrorShape(res, 413, 'threads budget');
  assert.match(res.body, new RegExp(`at most ${DIAGNOSE_MAX_THREADS} `));
});

// ---- over real HTTP: limits count sockets, not in-process requests ----

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  ms: number;
  body: string;
}

function httpCall(
  base: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method: opts.method ?? 'GET', headers: opts.headers, agent: false, timeout: opts.timeoutMs ?? 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            ms: performance.now() - t0,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer within ${opts.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function listen(app: ForkwatchApp): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address() as { port: number };
  return `http://127.0.0.1:${addr.port}`;
}

test('GET routes share a per-client rate limit; /metrics has a bucket of its own (Prometheus on loopback), /healthz and /readyz none', async (t) => {
  const { app } = await setup(t);
  const base = await listen(app);
  const limited = await httpCall(base, '/api/v1/incidents');
  assert.equal(limited.headers['x-ratelimit-limit'], String(GET_RATE_LIMIT.max));
  assert.equal((await httpCall(base, '/')).headers['x-ratelimit-limit'], String(GET_RATE_LIMIT.max), 'the page too');
  for (const p of ['/healthz', '/readyz', '/metrics']) {
    const r = await httpCall(base, p, { headers: { host: '127.0.0.1:9710' } });
    assert.equal(r.headers['x-ratelimit-limit'], p === '/metrics' ? String(METRICS_RATE_LIMIT.max) : undefined, p);
    assert.ok(r.status === 200 || (p === '/readyz' && r.status === 503), `${p}: ${r.status}`);
  }
  // Spend this client's budget (one window) on one route: the next GET, on another route, is 429 with Retry-After.
  let over: Answer | null = null;
  for (let i = 0; i < 10 && over === null; i++) {
    let ok = 0;
    const spent = new Promise<void>((resolve) => {
      for (let j = 0; j < GET_RATE_LIMIT.max + 5; j++) {
        void httpCall(base, '/api/v1/signatures').then((a) => {
          if (a.status === 200 && ++ok === GET_RATE_LIMIT.max) resolve();
        });
      }
      setTimeout(resolve, 3000);
    });
    await spent;
    const next = await httpCall(base, '/api/v1/targets');
    if (next.status === 429) over = next;
    await new Promise((r) => setTimeout(r, 1200)); // a new window
  }
  assert.ok(over, 'never answered 429');
  // One bucket for all routes of a client: the budget spent on /api/v1/signatures is gone for /api/v1/targets too.
  assert.ok(Number(over.headers['retry-after']) > 0);
  assert.equal((await httpCall(base, '/healthz')).status, 200);
  assert.equal((await httpCall(base, '/metrics')).status, 200);
});

test('a refusal is answered at once, then its connection is not read for about a second (a flood gets one answer per connection per second, and holds no request meanwhile)', async (t) => {
  const { app } = await setup(t);
  const base = await listen(app);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const call = (): Promise<Answer & { socket: unknown }> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = request(`${base}/api/v1/signatures`, { agent }, (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            ms: performance.now() - t0,
            body: '',
            socket: req.socket,
          }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  let refused: (Answer & { socket: unknown }) | null = null;
  for (let i = 0; i < GET_RATE_LIMIT.max * 3 && refused === null; i++) {
    const a = await call();
    if (a.status === 429) refused = a;
  }
  assert.ok(refused, 'never answered 429');
  assert.ok(Number(refused.headers['retry-after']) > 0);
  assert.ok(refused.ms < 500, `the refusal itself is not held back (${refused.ms.toFixed(0)} ms)`);
  const next = await call();
  assert.equal(next.socket, refused.socket, 'the same keep-alive connection');
  assert.ok(next.ms >= 800, `the next request on that connection waited about a second (${next.ms.toFixed(0)} ms)`);
  assert.equal((await httpCall(base, '/healthz')).status, 200, 'other connections are read meanwhile');
});

test(`more than ${MAX_IN_FLIGHT} requests in flight: 503 with Retry-After, /healthz unaffected`, async (t) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const slow: DaemonExtension = {
    name: 'slow',
    routes: (app) =>
      void app.get('/api/v1/slow', { config: { rateLimit: false } }, async () => gate.then(() => ({ ok: true }))),
  };
  const { app } = await setup(t, { extensions: [slow] });
  const base = await listen(app);
  const pending = Array.from({ length: MAX_IN_FLIGHT + 10 }, () => httpCall(base, '/api/v1/slow'));
  await new Promise((r) => setTimeout(r, 300));
  const health = await httpCall(base, '/healthz');
  assert.equal(health.status, 200);
  release();
  const answers = await Promise.all(pending);
  const busy = answers.filter((a) => a.status === 503);
  assert.equal(answers.filter((a) => a.status === 200).length, MAX_IN_FLIGHT);
  assert.equal(busy.length, 10);
  assert.equal(busy[0]!.headers['retry-after'], '1');
  assert.match(busy[0]!.body, /"statusCode":503.*in flight/);
  assert.equal((await httpCall(base, '/api/v1/slow')).status, 200, 'slots are given back');
});

test('adversarial stacks on POST /api/v1/classify: each answered within budget while /healthz p99 stays low', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-sec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The reproduction: a signature with a catastrophic pattern (RE2 makes it linear).
  writeFileSync(
    join(dir, 'evil.yaml'),
    "version: \"1\"\nsignatures:\n  - id: evil\n    title: evil\n    severity: warning\n    description: catastrophic on a backtracking engine\n    rules:\n      - name: r\n        frames:\n          - fn: '(a+)+b'\n          - fn: '(a|aa)+$'\n",
  );
  const matcher = loadMatcher({ signatures: { paths: [dir] } }, silentLogger());
  const { app } = await setup(t, { extensions: [], matcher });
  const base = await listen(app);
  const frame = (i: number, name: string) => `#${i}  0x00007f0000000001 ${name}`;
  const stacks = [
    Array.from({ length: 2000 }, (_, i) => frame(i, `${'a'.repeat(36)}!`)).join('\n'),
    Array.from(
      { length: 200 },
      (_, i) => `TID ${i + 1}:\n${Array.from({ length: 20 }, (_, j) => frame(j, `${'a'.repeat(200)}!`)).join('\n')}`,
    ).join('\n'),
    `#0  0x1 ${'a'.repeat(900_000)}!`,
    `${'('.repeat(50_000)}\n${'#0 '.repeat(100_000)}`,
  ];
  const probes: number[] = [];
  let running = true;
  const prober = (async () => {
    while (running) {
      probes.push((await httpCall(base, '/healthz')).ms);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const budgetMs = 3000;
  const took: number[] = [];
  // 6 rounds of 4: under the POST limit of 30 a minute per client.
  const rounds = async () => {
    for (let round = 0; round < 6; round++) {
      const answers = await Promise.all(
        stacks.map((stack) =>
          httpCall(base, '/api/v1/classify', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ stack }),
          }),
        ),
      );
      for (const a of answers) {
        assert.ok(a.status === 200 || a.status === 413, `${a.status} ${a.body.slice(0, 200)}`);
        took.push(a.ms);
      }
    }
  };
  // The classify runs on this process's event loop, so the latencies below are this process's work plus its waits
  // for a core: with test files in parallel on a loaded 2-core box it may get a third of one. `share` (CPU time over
  // wall time while the rounds ran, at most 1) turns wall ms into the ms of work they stand for; a pinned event
  // loop is seconds of CPU, so it still fails.
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  try {
    await rounds();
  } finally {
    running = false;
    await prober;
  }
  const cpu = process.cpuUsage(cpu0);
  const share = Math.min(1, (cpu.user + cpu.system) / 1000 / (performance.now() - wall0));
  for (const ms of took)
    assert.ok(
      ms * share < budgetMs,
      `classify took ${ms.toFixed(0)} ms at a ${share.toFixed(2)} core share (budget ${budgetMs})`,
    );
  probes.sort((a, b) => a - b);
  const p99 = probes[Math.floor(probes.length * 0.99)] ?? Infinity;
  process.stdout.write(
    `# /healthz during adversarial classify: ${probes.length} probes, p50 ${probes[Math.floor(probes.length / 2)]?.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${probes.at(-1)?.toFixed(1)} ms, core share ${share.toFixed(2)}\n`,
  );
  assert.ok(probes.length >= 5, `only ${probes.length} probes answered`);
  // Generous for a shared 2-core CI box, yet a pinned event loop (seconds) fails it.
  assert.ok(
    p99 * share < 1000,
    `/healthz p99 ${p99.toFixed(1)} ms at a ${share.toFixed(2)} core share during adversarial classify`,
  );
});
