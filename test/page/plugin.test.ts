/**
 * The status page on the daemon's real server (createDaemon + buildApp), fake
 * scan/evidence/match stages, a real SQLite store: routes, headers, data from
 * the JSON API, the kill control's conditions, hostile cmdlines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDaemon, type DaemonExtension } from '../../src/daemon/index.js';
import { createMetrics } from '../../src/extension/metrics.js';
import { silentLogger } from '../../src/util/logger.js';
import { createStatusPage } from '../../src/page/extension.js';
import { ASSETS } from '../../src/expose/html/assets.js';
import { CONTENT_SECURITY_POLICY } from '../../src/expose/html/headers.js';
import {
  DEADLOCK_FRAMES,
  child,
  fakeEvidence,
  fakeMatcher,
  fakeScanner,
  proc,
  report,
  tempStore,
  testConfig,
} from '../expose/fakes.js';

const HOSTILE_ARGV = 'java\0-jar\0jenkins.war\0<img src=x onerror=alert(1)>\0"\'</textarea><script>alert(2)</script>\0';

async function setup(t: import('node:test').TestContext, opts: { mode?: string; killRoute?: boolean } = {}) {
  const s = tempStore();
  const hostile = child(204);
  hostile.child = proc(204, { ppid: 100, comm: 'x<b>y', cmdline: Buffer.from(HOSTILE_ARGV) });
  const scanner = fakeScanner(
    report([child(201), child(202, 'execed', false), child(203, 'never-execed', false), hostile]),
  );
  const extensions: DaemonExtension[] = [createStatusPage()];
  if (opts.killRoute) {
    extensions.push({
      name: 'fake-kill',
      routes: (app) => void app.post('/api/v1/incidents/:id/kill', async () => ({ outcome: 'killed' })),
    });
  }
  const daemon = createDaemon({
    config: testConfig({ remediation: { mode: opts.mode ?? 'off' } }),
    logger: silentLogger(),
    store: s.store,
    stages: {
      scanner,
      evidence: fakeEvidence(new Map([[201, DEADLOCK_FRAMES]]), new Set([204])),
      matcher: fakeMatcher(),
    },
    metrics: createMetrics({ defaultMetrics: 'none' }),
    extensions,
  });
  const app = await daemon.buildApp();
  await daemon.runScan();
  t.after(async () => {
    await app.close();
    s.cleanup();
  });
  return { app, store: s.store };
}

test('GET / : security headers, html, the hung child and not the decoys as hung', async (t) => {
  const { app } = await setup(t);
  const res = await app.inject({ method: 'GET', url: '/' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
  assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  assert.equal(
    res.headers['content-security-policy'],
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  );
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['x-frame-options'], 'DENY');
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.match(res.body, /<tr class="child hung" data-pid="201" data-classification="never-execed" data-hung="true">/);
  assert.match(res.body, /data-pid="202" data-classification="execed" data-hung="false"/);
  assert.match(res.body, /data-pid="203" data-classification="never-execed" data-hung="false"/);
  assert.match(res.body, /pthread_mutex_lock/);
  assert.match(res.body, /<li class="frame hit" data-frame="1">/);
});

test('hostile argv and comm are escaped on / and on the incident page', async (t) => {
  const { app, store } = await setup(t);
  const overview = (await app.inject({ method: 'GET', url: '/' })).body;
  assert.doesNotMatch(overview, /<img|<script>alert|<b>y/);
  assert.match(
    overview,
    /&lt;img src=x onerror=alert\(1\)&gt; &quot;&#39;&lt;\/textarea&gt;&lt;script&gt;alert\(2\)&lt;\/script&gt;/,
  );
  const inc = store.list({ state: 'open' }).items.find((i) => i.childPid === 204);
  assert.ok(inc, 'the blocked hostile child has an incident');
  const page = (await app.inject({ method: 'GET', url: `/incidents/${inc.id}` })).body;
  assert.doesNotMatch(page, /<img|<script>alert|<b>y/);
  assert.match(page, /&lt;img src=x onerror=alert\(1\)&gt;/);
});

test('GET /incidents/:id and its fragment; unknown id is a 404 page', async (t) => {
  const { app, store } = await setup(t);
  const inc = store.list({ state: 'confirmed' }).items.find((i) => i.childPid === 201)!;
  const res = await app.inject({ method: 'GET', url: `/incidents/${inc.id}` });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  assert.match(res.body, /atfork-mutex/);
  assert.match(res.body, /<li class="frame hit" data-frame="4">/);
  assert.match(res.body, new RegExp(`data-refresh="/page/fragment/incidents/${inc.id}"`));
  const frag = await app.inject({ method: 'GET', url: `/page/fragment/incidents/${inc.id}` });
  assert.equal(frag.statusCode, 200);
  assert.doesNotMatch(frag.body, /<html/);
  assert.match(frag.body, /data-open="true"/);
  const missing = await app.inject({ method: 'GET', url: '/incidents/nope' });
  assert.equal(missing.statusCode, 404);
  assert.match(missing.body, /Unknown incident/);
  assert.equal(missing.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  const tooLong = (await app.inject({ method: 'GET', url: `/incidents/${'x'.repeat(300)}` })).statusCode;
  assert.ok(tooLong === 400 || tooLong === 414, `over-long id refused: ${tooLong}`);
});

test('overview fragment and assets', async (t) => {
  const { app } = await setup(t);
  const frag = await app.inject({ method: 'GET', url: '/page/fragment/overview' });
  assert.equal(frag.statusCode, 200);
  assert.doesNotMatch(frag.body, /<html|<script/);
  assert.match(frag.body, /data-pid="201"/);
  const js = await app.inject({ method: 'GET', url: ASSETS.js.path });
  assert.equal(js.statusCode, 200);
  assert.match(String(js.headers['content-type']), /^text\/javascript/);
  assert.match(String(js.headers['cache-control']), /immutable/);
  assert.equal(js.headers['x-content-type-options'], 'nosniff');
  const css = await app.inject({ method: 'GET', url: ASSETS.css.path });
  assert.match(String(css.headers['content-type']), /^text\/css/);
});

test('the API keeps its own headers (the page hook is encapsulated)', async (t) => {
  const { app } = await setup(t);
  const res = await app.inject({ method: 'GET', url: '/api/v1/incidents' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-security-policy'], undefined);
});

test('kill control: shown only with remediation on AND the kill route present', async (t) => {
  for (const [mode, killRoute, shown] of [
    ['off', true, false],
    ['kill', false, false],
    ['dry-run', true, true],
    ['kill', true, true],
  ] as const) {
    const { app, store } = await setup(t, { mode, killRoute });
    const inc = store.list({ state: 'confirmed' }).items[0]!;
    const body = (await app.inject({ method: 'GET', url: `/incidents/${inc.id}` })).body;
    assert.equal(/class="kill-form"/.test(body), shown, `mode ${mode}, route ${killRoute}`);
  }
});

test('scan status on the page: last scan and interval', async (t) => {
  const { app } = await setup(t);
  const body = (await app.inject({ method: 'GET', url: '/' })).body;
  assert.match(body, /Last scan <time datetime="[^"]+" title="[^"]+">\d+s ago<\/time>/);
  assert.match(body, /every 1s/);
  assert.match(body, /testhost/);
});
