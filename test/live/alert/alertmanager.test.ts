/** The Alertmanager sink against a real Alertmanager on loopback. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAlertSender } from '../../../src/alert/index.js';
import { startAlertmanager } from '../../helpers/alertmanager.js';
import { startSlackStandin } from '../../helpers/slack-standin.js';
import { alertConfig, captureLogs, confirmChild, realStore, resolveAllBut, until } from '../../alert/fixture.js';

test('alerts appear in Alertmanager with the right labels and resolve when the child goes away', async (t) => {
  const am = await startAlertmanager();
  t.after(() => am.stop());
  const config = alertConfig({ alerts: { alertmanager: { urls: [am.url], resendInterval: '60s', timeout: '2s' } } });
  const { store } = realStore(t, config);
  const sender = createAlertSender({ config, store, logger: captureLogs().logger });
  t.after(() => sender.stop());
  const a = confirmChild(store, 8001);
  const b = confirmChild(store, 8002);
  const reports = await sender.drainOnce();
  assert.deepEqual(reports, [{ sink: 'alertmanager', sent: 2, retry: 0, dead: 0, deferred: 0 }]);
  const alerts = await am.alerts();
  assert.equal(alerts.length, 2);
  const mine = alerts.find((x) => x.labels.incident === a)!;
  assert.deepEqual(mine.labels, {
    alertname: 'ForkwatchHungChild',
    host: 'ci-host',
    target: 'jenkins',
    signature: 'illumos-1667-pkcs11-atfork',
    severity: 'critical',
    incident: a,
  });
  assert.equal(mine.status.state, 'active');
  assert.match(mine.annotations.summary!, /^Hung forked child 8001 of jenkins on ci-host$/);
  assert.match(mine.annotations.description!, /kill -9 8001/);
  assert.equal(mine.annotations.incident_url, `https://forkwatch.example.org/incidents/${a}`);
  assert.equal(mine.generatorURL, `https://forkwatch.example.org/incidents/${a}`);
  assert.equal(Date.parse(mine.startsAt), store.get(a)!.confirmedAt);

  resolveAllBut(store, [store.get(b)!.key]);
  await sender.drainOnce();
  const after = await am.alerts();
  assert.deepEqual(
    after.map((x) => x.labels.incident),
    [b],
    'the resolved alert left the active list',
  );
  assert.equal(store.listNotifications({ state: 'sent' }).items.filter((i) => i.transition === 'resolved').length, 1);
});

test('active alerts are re-sent every resendInterval (as Alertmanager expects), resolved ones are not', async (t) => {
  // The stand-in counts the POSTs an Alertmanager would get.
  const fake = await startSlackStandin({ reply: { kind: 'status', status: 200, body: '' } });
  t.after(() => fake.close());
  const base = fake.url.replace(/\/services\/.*$/, '');
  const config = alertConfig({ alerts: { alertmanager: { urls: [base], resendInterval: '400ms', timeout: '2s' } } });
  const { store } = realStore(t, config);
  const sender = createAlertSender({ config, store, logger: captureLogs().logger, pollIntervalMs: 50 });
  t.after(() => sender.stop());
  const a = confirmChild(store, 8101);
  sender.start();
  const reqs = await fake.waitForRequests(3, 5000);
  assert.ok(reqs.every((r) => r.path === '/api/v2/alerts'));
  const bodies = reqs.map((r) => JSON.parse(r.body) as { labels: { incident: string }; endsAt?: string }[]);
  assert.ok(bodies.every((b) => b.length === 1 && b[0]!.labels.incident === a && b[0]!.endsAt === undefined));
  const gap = reqs[2]!.at - reqs[1]!.at;
  assert.ok(gap >= 390 && gap < 700, `re-sent after ${gap} ms`);
  resolveAllBut(store);
  await until(() => fake.requests.some((r) => r.body.includes('endsAt')), 3000, 'resolved alert posted');
  const n = fake.requests.length;
  await new Promise((r) => setTimeout(r, 900));
  assert.equal(fake.requests.length, n, 'nothing re-sent once resolved');
});
