/** Every route through app.inject(): success and error shapes, auth, validation, pagination, extensions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type DaemonExtension } from '../../src/daemon/index.js';
import { DEADLOCK_FRAMES, HOST, TARGET_START } from './fakes.js';
import type { IncidentStore } from '../../src/record/types.js';
import { TOKEN, setup } from './server-setup.js';

function assertErrorShape(
  res: { statusCode: number; json(): unknown; body: string },
  status: number,
  messageRe?: RegExp,
) {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json() as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'statusCode']);
  assert.equal(body.statusCode, status);
  assert.equal(typeof body.error, 'string');
  assert.doesNotMatch(res.body, /at .*\.(ts|js):\d+/, 'no stack trace to clients');
  if (messageRe) assert.match(body.message as string, messageRe);
}

const auth = { authorization: `Bearer ${TOKEN}` };

test('GET /healthz and /readyz: not ready before a scan, ready after', async (t) => {
  const { app, daemon } = await setup(t);
  assert.deepEqual((await app.inject('/healthz')).json(), { status: 'ok' });
  const before = await app.inject('/readyz');
  assert.equal(before.statusCode, 503);
  assert.equal(before.json().ready, false);
  assert.match(before.json().message, /no scan has succeeded/);
  await daemon.runScan();
  const after = await app.inject('/readyz');
  assert.equal(after.statusCode, 200);
  assert.equal(after.json().ready, true);
});

test('GET /api/v1/targets and /api/v1/children (filters, validation)', async (t) => {
  const { app, daemon } = await setup(t);
  const empty = (await app.inject('/api/v1/targets')).json();
  assert.deepEqual(empty, { scannedAt: null, targets: [{ name: 'jenkins', found: false, processes: [] }] });
  await daemon.runScan();
  const targets = (await app.inject('/api/v1/targets')).json();
  assert.equal(targets.targets[0].found, true);
  assert.equal(targets.targets[0].processes[0].pid, 100);
  assert.equal(targets.targets[0].processes[0].cmdline, 'java -jar jenkins.war');
  const all = (await app.inject('/api/v1/children')).json();
  assert.equal(all.total, 3);
  const hung = (await app.inject('/api/v1/children?classification=never-execed&overdue=true')).json();
  assert.deepEqual(
    hung.children.map((c: { process: { pid: number } }) => c.process.pid),
    [201],
  );
  assert.equal((await app.inject('/api/v1/children?limit=1')).json().children.length, 1);
  assertErrorShape(await app.inject('/api/v1/children?classification=bogus'), 400, /classification/);
  assertErrorShape(await app.inject('/api/v1/children?limit=0'), 400, /limit/);
  assertErrorShape(await app.inject('/api/v1/children?pid=1'), 400, /additional/);
});

function seed(store: IncidentStore, n: number): void {
  const obs = Array.from({ length: n }, (_, i) => ({
    targetName: i % 2 ? 'jenkins' : 'agent',
    targetPid: 100,
    targetStartMs: TARGET_START + 100,
    targetUser: 'jenkins',
    childPid: 1000 + i,
    childStartMs: TARGET_START + 1000 + i,
  }));
  store.observeSuspects(TARGET_START + 5000, obs);
  for (let i = 0; i < n; i += 3) {
    store.confirm(`${HOST}/100@${TARGET_START + 100}/${1000 + i}@${TARGET_START + 1000 + i}`, {
      at: TARGET_START + 6000,
      signatureId: 'atfork-mutex',
      signatureTitle: 't',
      signatureVersion: '1',
      severity: 'critical',
      fingerprint: 'f',
      evidence: { stackRaw: '#0 0x1 pthread_mutex_lock\n#1 0x2 fork' },
    });
  }
}

test('GET /api/v1/incidents: filters, limit + cursor pagination visits every incident once', async (t) => {
  const { app, store } = await setup(t);
  seed(store, 25);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: Record<string, string> = cursor ? { limit: '7', cursor } : { limit: '7' };
    const res = await app.inject({ url: '/api/v1/incidents', query });
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json() as { items: { id: string }[]; nextCursor: string | null };
    assert.ok(page.items.length <= 7);
    seen.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 10);
  assert.equal(pages, 4);
  assert.equal(new Set(seen).size, 25);
  const confirmed = (await app.inject('/api/v1/incidents?state=confirmed&limit=100')).json();
  assert.equal(confirmed.items.length, 9);
  assert.ok(
    confirmed.items.every(
      (i: { state: string; signatureId: string }) => i.state === 'confirmed' && i.signatureId === 'atfork-mutex',
    ),
  );
  assert.equal((await app.inject('/api/v1/incidents?target=agent&limit=100')).json().items.length, 13);
  assert.equal((await app.inject('/api/v1/incidents?signature=atfork-mutex&target=jenkins')).json().items.length, 4);
  assert.equal((await app.inject('/api/v1/incidents?state=open&limit=100')).json().items.length, 25);
  assert.equal(
    (await app.inject(`/api/v1/incidents?since=${new Date(TARGET_START + 5000).toISOString()}`)).json().items.length,
    25,
  );
  assert.equal((await app.inject(`/api/v1/incidents?since=${TARGET_START + 5001}`)).json().items.length, 0);
});

test('GET /api/v1/incidents: bad queries are 400s in the one error shape', async (t) => {
  const { app } = await setup(t);
  assertErrorShape(await app.inject('/api/v1/incidents?state=exploded'), 400, /state/);
  assertErrorShape(await app.inject('/api/v1/incidents?limit=100000'), 400, /limit/);
  assertErrorShape(await app.inject('/api/v1/incidents?limit=abc'), 400, /limit/);
  assertErrorShape(await app.inject('/api/v1/incidents?since=yesterday-ish'), 400, /since/);
  assertErrorShape(await app.inject('/api/v1/incidents?cursor=not-a-cursor'), 400, /cursor/);
  assertErrorShape(await app.inject(`/api/v1/incidents?cursor=${'A'.repeat(600)}`), 400, /cursor/);
  assertErrorShape(await app.inject('/api/v1/incidents?target=%27%3B%20DROP%20TABLE%20incidents%3B--'), 400, /target/);
  assertErrorShape(await app.inject('/api/v1/incidents?target=jenkins&bogus=1'), 400);
  assertErrorShape(await app.inject('/api/v1/incidents?limit=1&limit=2'), 400);
  const odd = await app.inject('/api/v1/incidents?signature=x%27--');
  assertErrorShape(odd, 400, /signature/);
});

test('GET /api/v1/incidents/:id returns the incident with its evidence; unknown ids are 404', async (t) => {
  const { app, daemon } = await setup(t);
  await daemon.runScan();
  const [summary] = (await app.inject('/api/v1/incidents?state=confirmed')).json().items;
  const res = await app.inject(`/api/v1/incidents/${summary.id}`);
  assert.equal(res.statusCode, 200);
  const inc = res.json();
  assert.equal(inc.childPid, 201);
  assert.equal(inc.signatureId, 'atfork-mutex');
  assert.match(inc.evidence.stackRaw, /pthread_mutex_lock/);
  assert.deepEqual(
    inc.evidence.stack.threads[0].frames.map((f: { fn: string }) => f.fn),
    DEADLOCK_FRAMES,
  );
  assert.equal(inc.evidence.matches[0].signatureId, 'atfork-mutex');
  assert.ok(Array.isArray(inc.audit));
  assertErrorShape(await app.inject('/api/v1/incidents/0123456789abcdef'), 404, /no incident/);
  assertErrorShape(await app.inject(`/api/v1/incidents/${'x'.repeat(3000)}`), 414);
});

test('GET /api/v1/signatures and POST /api/v1/classify (JSON only, oversize, empty, hostile input)', async (t) => {
  const { app } = await setup(t);
  const sigs = (await app.inject('/api/v1/signatures')).json();
  assert.equal(sigs.signatures[0].id, 'atfork-mutex');
  assert.equal(sigs.signatures[0].rules, 1);
  const text = DEADLOCK_FRAMES.map((f, i) => `#${i} 0x0 ${f}`).join('\n');
  assertErrorShape(
    await app.inject({
      method: 'POST',
      url: '/api/v1/classify',
      headers: { 'content-type': 'text/plain' },
      payload: text,
    }),
    415,
    /application\/json/,
  );
  const plain = await app.inject({ method: 'POST', url: '/api/v1/classify', payload: { stack: text } });
  assert.equal(plain.statusCode, 200, plain.body);
  assert.equal(plain.json().match.deadlock, true);
  assert.equal(plain.json().threads[0].frames.length, 5);
  const json = await app.inject({
    method: 'POST',
    url: '/api/v1/classify',
    payload: { stack: '#0 0x0 nanosleep\n#1 0x0 main' },
  });
  assert.equal(json.statusCode, 200);
  assert.equal(json.json().match.deadlock, false);
  assertErrorShape(
    await app.inject({ method: 'POST', url: '/api/v1/classify', payload: { stack: 'x'.repeat(1024 * 1024 + 10) } }),
    413,
  );
  assertErrorShape(
    await app.inject({ method: 'POST', url: '/api/v1/classify', payload: { stack: '   ' } }),
    400,
    /empty/,
  );
  assertErrorShape(
    await app.inject({ method: 'POST', url: '/api/v1/classify', payload: { stack: { nested: 1 } } }),
    400,
  );
  assertErrorShape(
    await app.inject({
      method: 'POST',
      url: '/api/v1/classify',
      headers: { 'content-type': 'application/json' },
      payload: '{"stack": "unterminated',
    }),
    400,
  );
  assertErrorShape(
    await app.inject({
      method: 'POST',
      url: '/api/v1/classify',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    }),
    415,
  );
  assertErrorShape(
    await app.inject({
      method: 'POST',
      url: '/api/v1/classify',
      payload: { stack: 'x', __proto__: { admin: true }, extra: 1 },
    }),
    400,
  );
  const hostile = await app.inject({
    method: 'POST',
    url: '/api/v1/classify',
    payload: { stack: '\u0000\u0001<script>alert(1)</script>\n'.repeat(1000) },
  });
  assert.equal(hostile.statusCode, 200);
  assert.equal(hostile.json().format, 'unknown');
  assert.ok(hostile.json().warnings.length > 0);
});

test('POST /api/v1/scan: bearer token missing, wrong, right; none configured is 403 saying how to configure one', async (t) => {
  const { app, scanner } = await setup(t);
  assertErrorShape(await app.inject({ method: 'POST', url: '/api/v1/scan' }), 401, /missing bearer token/);
  const r401 = await app.inject({
    method: 'POST',
    url: '/api/v1/scan',
    headers: { authorization: 'Bearer wrong-token-wrong-token' },
  });
  assertErrorShape(r401, 401, /invalid bearer token/);
  assert.match(r401.headers['www-authenticate'] as string, /^Bearer/);
  assertErrorShape(
    await app.inject({ method: 'POST', url: '/api/v1/scan', headers: { authorization: `Basic ${TOKEN}` } }),
    401,
  );
  assertErrorShape(
    await app.inject({ method: 'POST', url: '/api/v1/scan', headers: { authorization: `Bearer ${TOKEN}x` } }),
    401,
  );
  assert.equal(scanner.calls, 0, 'no scan ran without a valid token');
  const ok = await app.inject({ method: 'POST', url: '/api/v1/scan', headers: auth });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().ok, true);
  assert.deepEqual(
    ok.json().transitions.map((x: { to: string }) => x.to),
    ['suspect', 'confirmed'],
  );
  assert.equal(scanner.calls, 1);
});

test('POST /api/v1/scan with no token configured answers 403', async (t) => {
  const { app, scanner } = await setup(t, { token: null });
  const res = await app.inject({ method: 'POST', url: '/api/v1/scan', headers: auth });
  assertErrorShape(res, 403, /auth\.token.*auth\.tokenFile/);
  assert.equal(scanner.calls, 0);
});

test('POST routes are rate limited with the same error shape', async (t) => {
  const { app } = await setup(t, { rateMax: 2 });
  for (let i = 0; i < 2; i++)
    assert.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/api/v1/scan',
          headers: { authorization: 'Bearer nope-nope-nope-nope' },
        })
      ).statusCode,
      401,
    );
  const limited = await app.inject({ method: 'POST', url: '/api/v1/scan', headers: auth });
  assertErrorShape(limited, 429, /rate limit/);
  assert.ok(Number(limited.headers['retry-after']) > 0);
});

test('404 handler, OpenAPI document, and extension routes with the context (errors stay generic)', async (t) => {
  const ext: DaemonExtension = {
    name: 'probe',
    routes: (app, ctx) => {
      app.get('/api/v1/probe', async () => ({ count: ctx.store.list({}).items.length, host: ctx.store.host }));
      app.get('/api/v1/probe-crash', async () => {
        throw new Error('secret internal detail /etc/shadow');
      });
      app.post(
        '/api/v1/probe-kill',
        { preHandler: ctx.requireToken, config: { rateLimit: ctx.postRateLimit } },
        async () => ({ killed: true }),
      );
    },
  };
  const { app } = await setup(t, { extensions: [ext] });
  assertErrorShape(await app.inject('/nope?x=1'), 404, /no route GET \/nope$/);
  assert.deepEqual((await app.inject('/api/v1/probe')).json(), { count: 0, host: HOST });
  const crash = await app.inject('/api/v1/probe-crash');
  assertErrorShape(crash, 500, /internal error/);
  assert.doesNotMatch(crash.body, /shadow/);
  assertErrorShape(await app.inject({ method: 'POST', url: '/api/v1/probe-kill' }), 401);
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/probe-kill', headers: auth })).statusCode, 200);
  const doc = (await app.inject('/openapi.json')).json();
  assert.equal(doc.openapi, '3.0.3');
  for (const p of [
    '/metrics',
    '/healthz',
    '/readyz',
    '/api/v1/targets',
    '/api/v1/children',
    '/api/v1/incidents',
    '/api/v1/incidents/{id}',
    '/api/v1/signatures',
    '/api/v1/classify',
    '/api/v1/scan',
  ]) {
    assert.ok(doc.paths[p], `OpenAPI lacks ${p}`);
  }
  assert.deepEqual(doc.paths['/api/v1/scan'].post.security, [{ bearer: [] }]);
});
