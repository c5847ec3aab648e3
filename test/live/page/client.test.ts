/**
 * The page's script in a real browser (Debian's chromium via playwright-core)
 * against the daemon's real server in process (fake scan stages, real store):
 * refresh without reload, open <details> kept, CSP without violations, the
 * kill form (token, in-page confirmation, Authorization header), reading
 * without JavaScript. The end-to-end run beside real hung processes is page.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { createDaemon, type DaemonExtension } from '../../../src/daemon/index.js';
import { createMetrics } from '../../../src/extension/metrics.js';
import { silentLogger } from '../../../src/util/logger.js';
import { createStatusPage } from '../../../src/page/extension.js';
import { launchChromium, watchPage, VIEWPORTS } from '../../helpers/browser.js';
import {
  DEADLOCK_FRAMES,
  child,
  fakeEvidence,
  fakeMatcher,
  fakeScanner,
  report,
  tempStore,
  testConfig,
} from '../../expose/fakes.js';

const TOKEN = 'page-client-test-token-0123456789';
/** A hostile frame name in the captured stack. */
const HOSTILE_FRAME = '<img src=x onerror=alert(1)>';

async function startServer(t: import('node:test').TestContext) {
  const s = tempStore();
  const scanner = fakeScanner(report([child(201), child(202, 'execed', false)]));
  const kills: { id: string; authorization: string | undefined }[] = [];
  const fakeKill: DaemonExtension = {
    name: 'fake-kill',
    routes: (app, ctx) =>
      void app.post<{ Params: { id: string } }>(
        '/api/v1/incidents/:id/kill',
        { preHandler: ctx.requireToken },
        async (req) => {
          kills.push({ id: req.params.id, authorization: req.headers.authorization });
          return { outcome: 'dry-run', message: 'dry-run: would send SIGKILL' };
        },
      ),
  };
  const daemon = createDaemon({
    config: testConfig({
      remediation: { mode: 'dry-run' },
      auth: { token: TOKEN },
      listen: { host: '127.0.0.1', port: 0 },
    }),
    logger: silentLogger(),
    store: s.store,
    stages: {
      scanner,
      evidence: fakeEvidence(new Map([[201, [...DEADLOCK_FRAMES, HOSTILE_FRAME]]])),
      matcher: fakeMatcher(),
    },
    metrics: createMetrics({ defaultMetrics: 'none' }),
    extensions: [createStatusPage(), fakeKill],
  });
  const address = await daemon.start({ listen: true, schedule: false });
  await daemon.runScan();
  t.after(async () => {
    await daemon.stop();
    s.cleanup();
  });
  const incident = s.store.list({ state: 'confirmed' }).items[0]!;
  return { origin: `http://127.0.0.1:${address!.port}`, daemon, scanner, kills, incident };
}

let browser: Browser;
test.before(async () => {
  browser = await launchChromium();
});
test.after(async () => {
  await browser?.close();
});

test('refreshes in place, keeps an opened <details>, no CSP violation, no foreign request', async (t) => {
  const srv = await startServer(t);
  const ctx = await browser.newContext({ viewport: VIEWPORTS.laptop });
  t.after(() => ctx.close());
  const page = await ctx.newPage();
  const w = watchPage(page, srv.origin);
  await page.goto(`${srv.origin}/`);
  await page.locator(`details#ev-${srv.incident.id} > summary`).click();
  await page.evaluate('window.marker = 42');
  srv.scanner.next = report([child(201), child(202, 'execed', false), child(205, 'execed', false)]);
  await srv.daemon.runScan();
  await page.waitForSelector('tr[data-pid="205"]', { timeout: 15_000 });
  assert.equal(await page.evaluate('window.marker'), 42, 'no full reload');
  assert.notEqual(
    await page.locator(`details#ev-${srv.incident.id}`).getAttribute('open'),
    null,
    'opened details stays open',
  );
  assert.match((await page.locator('#live').textContent()) ?? '', /updated/);
  assert.ok(
    ((await page.locator(`details#ev-${srv.incident.id} .stack`).textContent()) ?? '').includes(HOSTILE_FRAME),
    'hostile frame shown as text',
  );
  assert.equal(await page.locator('img').count(), 0, 'no <img> from the stack');
  assert.deepEqual(w.consoleErrors, []);
  assert.deepEqual(w.pageErrors, []);
  assert.deepEqual(w.dialogs, []);
  assert.deepEqual(w.foreignRequests, []);
});

test('kill form: asks for the token, confirms in the page, sends the bearer token', async (t) => {
  const srv = await startServer(t);
  const ctx = await browser.newContext({ viewport: VIEWPORTS.laptop });
  t.after(() => ctx.close());
  const page = await ctx.newPage();
  const w = watchPage(page, srv.origin);
  await page.goto(`${srv.origin}/incidents/${srv.incident.id}`);
  const form = page.locator('form.kill-form');
  await form.waitFor({ state: 'visible' });
  await form.locator('button[type=submit]').click();
  assert.match((await form.locator('.kill-result').textContent()) ?? '', /token/);
  assert.equal(await form.locator('.confirm').isVisible(), false);
  await form.locator('input[name=token]').fill('wrong-token-wrong-token');
  await form.locator('button[type=submit]').click();
  await form.locator('.confirm').waitFor({ state: 'visible' });
  await form.locator('[data-cancel]').click();
  assert.equal(srv.kills.length, 0, 'cancel sends nothing');
  await form.locator('button[type=submit]').click();
  await form.locator('[data-confirm]').click();
  await form
    .locator('.kill-result')
    .filter({ hasText: /Refused/ })
    .waitFor(); // not waitForFunction: the CSP forbids its eval
  assert.match((await form.locator('.kill-result').textContent()) ?? '', /HTTP 401/);
  await form.locator('input[name=token]').fill(TOKEN);
  await form.locator('button[type=submit]').click();
  await form.locator('[data-confirm]').click();
  await form.locator('.kill-result').filter({ hasText: /Done/ }).waitFor(); // not waitForFunction: the CSP forbids its eval
  assert.deepEqual(srv.kills, [{ id: srv.incident.id, authorization: `Bearer ${TOKEN}` }]);
  assert.equal(await form.locator('input[name=token]').inputValue(), '', 'token cleared after use');
  assert.deepEqual(w.dialogs, [], 'no native dialog: the confirmation is in the page');
  assert.deepEqual(
    w.consoleErrors.filter((e) => !/401/.test(e)),
    [],
  );
});

test('readable without JavaScript; the kill form stays hidden there', async (t) => {
  const srv = await startServer(t);
  const ctx = await browser.newContext({ viewport: VIEWPORTS.phone, javaScriptEnabled: false });
  t.after(() => ctx.close());
  const page = await ctx.newPage();
  await page.goto(`${srv.origin}/`);
  assert.equal(await page.locator('tr.child.hung[data-pid="201"]').count(), 1);
  await page.goto(`${srv.origin}/incidents/${srv.incident.id}`);
  assert.ok((await page.locator('li.frame.hit').count()) > 0);
  assert.equal(await page.locator('form.kill-form').isVisible(), false);
});
