/** GET /api/v1/notifications through the daemon's real server (the alert extension's routes), via inject. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDaemon } from '../../src/daemon/index.js';
import { createAlertExtension } from '../../src/alert/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { fakeMatcher, fakeScanner, report } from '../expose/fakes.js';
import { startSlackStandin, WEBHOOK_PATH } from '../helpers/slack-standin.js';
import { alertConfig, confirmChild, realStore, until } from './fixture.js';

test('pending and dead-lettered notifications, filters, pagination, stats; never the webhook URL', async (t) => {
  const slack = await startSlackStandin({ reply: { kind: 'status', status: 400, body: 'invalid_payload' } });
  t.after(() => slack.close());
  const config = alertConfig({ alerts: { slack: { webhookUrl: slack.url } } });
  const { store } = realStore(t, config);
  const alerts = createAlertExtension({ groupWaitMs: 0, slackMinIntervalMs: 0 });
  const daemon = createDaemon({
    config,
    logger: silentLogger(),
    store,
    stages: { scanner: fakeScanner(report([])), evidence: null, matcher: fakeMatcher() },
    extensions: [alerts],
  });
  await daemon.start({ listen: false, schedule: false });
  const app = daemon.app()!;
  t.after(() => app.close());

  for (let i = 0; i < 3; i++) confirmChild(store, 9000 + i);
  alerts.sender()!.poke();
  await until(
    () => store.listNotifications({ state: 'dead' }).items.length === 3,
    5000,
    'one grouped message refused: three dead rows',
  );
  slack.setDefault({ kind: 'hang' }); // the next one stays pending, in flight
  confirmChild(store, 9100);
  await slack.waitForRequests(2);
  const get = async (q: string) => {
    const res = await app.inject({ method: 'GET', url: `/api/v1/notifications${q}` });
    return { status: res.statusCode, body: res.json(), raw: res.body };
  };

  const all = await get('');
  assert.equal(all.status, 200);
  assert.deepEqual(
    all.body.items.map((i: { state: string; incident: { childPid: number } }) => [i.state, i.incident.childPid]),
    [
      ['pending', 9100],
      ['dead', 9002],
      ['dead', 9001],
      ['dead', 9000],
    ],
  );
  assert.equal(all.body.items[1].response, 'invalid_payload');
  assert.match(all.body.items[1].lastError, /HTTP 400/);
  assert.deepEqual(all.body.stats, [
    { sink: 'slack', pending: 1, oldestPendingAgeMs: all.body.stats[0].oldestPendingAgeMs, dead: 3 },
  ]);
  assert.ok(!all.raw.includes(WEBHOOK_PATH) && !all.raw.includes('s3cr3t'));

  const page1 = await get('?limit=2');
  assert.equal(page1.body.items.length, 2);
  assert.ok(page1.body.nextCursor);
  const page2 = await get(`?limit=2&cursor=${page1.body.nextCursor}`);
  assert.deepEqual(
    page2.body.items.map((i: { incident: { childPid: number } }) => i.incident.childPid),
    [9001, 9000],
  );
  assert.equal(page2.body.nextCursor, null, 'the last page says so');

  assert.equal((await get('?state=dead')).body.items.length, 3);
  assert.equal((await get('?state=pending&sink=slack')).body.items.length, 1);
  assert.equal((await get('?state=sent')).body.items.length, 0);
  assert.equal((await get('?sink=alertmanager')).body.items.length, 0);
  const bad = await get('?state=bogus');
  assert.equal(bad.status, 400);
  assert.deepEqual(Object.keys(bad.body).sort(), ['error', 'message', 'statusCode']);
  assert.equal((await get('?cursor=%21%21')).status, 400);
  await daemon.stop();
});
