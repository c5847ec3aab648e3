/** The sender against the Slack stand-in (a real HTTP server on loopback) and a real SQLite store. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAlertSender, type AlertSender } from '../../src/alert/index.js';
import { startSlackStandin, WEBHOOK_PATH, type SlackStandin } from '../helpers/slack-standin.js';
import {
  alertConfig,
  captureLogs,
  confirmChild,
  metricValue,
  realStore,
  resolveAllBut,
  testMetrics,
  until,
} from './fixture.js';

type T = Parameters<typeof realStore>[0];

async function setup(
  t: T,
  opts: { timeout?: string; repeatInterval?: string; backoffBaseMs?: number; slackMinIntervalMs?: number } = {},
) {
  const slack = await startSlackStandin();
  t.after(() => slack.close());
  const config = alertConfig({
    alerts: {
      slack: {
        webhookUrl: slack.url,
        timeout: opts.timeout ?? '2s',
        ...(opts.repeatInterval ? { repeatInterval: opts.repeatInterval } : {}),
      },
    },
  });
  const { store } = realStore(t, config);
  const logs = captureLogs();
  const metrics = testMetrics();
  const sender = createAlertSender({
    config,
    store,
    logger: logs.logger,
    metrics,
    pollIntervalMs: 50,
    groupWaitMs: 200,
    slackMinIntervalMs: opts.slackMinIntervalMs ?? 1000,
    backoff: { baseMs: opts.backoffBaseMs ?? 200, maxMs: 5000 },
    random: () => 1,
  });
  t.after(() => sender.stop());
  return { slack, config, store, logs, metrics, sender };
}

function assertNoSecret(slack: SlackStandin, ...texts: string[]): void {
  const secret = WEBHOOK_PATH.split('/').pop()!;
  for (const s of texts) assert.ok(!s.includes(secret) && !s.includes(slack.url), 'the webhook URL leaked');
}

test('one confirmed child: one message, acknowledged once, counted, outbox empty', async (t) => {
  const { slack, store, sender, metrics, logs } = await setup(t);
  const id = confirmChild(store, 5001);
  sender.start();
  const [req] = await slack.waitForRequests(1);
  assert.equal(req!.method, 'POST');
  assert.equal(req!.headers['content-type'], 'application/json; charset=utf-8');
  assert.match(req!.json!.text!, /child pid 5001 of jenkins \(pid 4242\)/);
  assert.ok(JSON.stringify(req!.json!.blocks).includes(`https://forkwatch.example.org/incidents/${id}`));
  await until(() => store.listNotifications({ state: 'sent' }).items.length === 1, 5000, 'row marked sent');
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(slack.requests.length, 1, 'delivered exactly once');
  assert.equal(await metricValue(metrics, 'forkwatch_notifications_total', { sink: 'slack', outcome: 'sent' }), 1);
  assert.equal(await metricValue(metrics, 'forkwatch_outbox_pending', { sink: 'slack' }), 0);
  assert.equal(store.listNotifications({ state: 'sent' }).items[0]!.response, 'ok');
  assertNoSecret(slack, logs.text());
});

test('a burst is one grouped message, resolutions one more, in order and at most one per second', async (t) => {
  const { slack, store, sender } = await setup(t);
  sender.start();
  // Five confirmations in five transactions, 30 ms apart: one tick's burst.
  for (let i = 0; i < 5; i++) {
    confirmChild(store, 6000 + i);
    await new Promise((r) => setTimeout(r, 30));
  }
  const [first] = await slack.waitForRequests(1);
  assert.match(first!.json!.text!, /^5 hung forked children on ci-host: child 6000 of jenkins, child 6001 of jenkins/);
  resolveAllBut(store);
  const reqs = await slack.waitForRequests(2);
  assert.match(reqs[1]!.json!.text!, /^5 hung children resolved/);
  assert.ok(reqs[1]!.at - reqs[0]!.at >= 990, `messages ${reqs[1]!.at - reqs[0]!.at} ms apart`);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(slack.requests.length, 2);
});

test('rate limit: single events in quick succession go out at least 1 s apart', async (t) => {
  const { slack, store, sender } = await setup(t);
  sender.start();
  confirmChild(store, 7001);
  await slack.waitForRequests(1);
  const b = confirmChild(store, 7002);
  await new Promise((r) => setTimeout(r, 250));
  resolveAllBut(store, [store.get(b)!.key]);
  const reqs = await slack.waitForRequests(3);
  const gaps = [reqs[1]!.at - reqs[0]!.at, reqs[2]!.at - reqs[1]!.at];
  for (const g of gaps) assert.ok(g >= 990, `gap ${g} ms`);
  const texts = reqs.map((r) => r.json!.text!);
  assert.match(texts[0]!, /child pid 7001/);
  assert.ok(texts.slice(1).some((x) => /child pid 7002/.test(x)));
  assert.ok(texts.slice(1).some((x) => /^Resolved: hung child 7001/.test(x)));
});

test('429: the next attempt comes exactly Retry-After later, nothing in between', async (t) => {
  const { slack, store, sender, metrics } = await setup(t);
  slack.enqueue({ kind: 'status', status: 429, body: 'rate_limited', retryAfter: '2' });
  confirmChild(store, 5101);
  sender.start();
  const reqs = await slack.waitForRequests(2, 6000);
  const gap = reqs[1]!.at - reqs[0]!.at;
  assert.ok(gap >= 2000 && gap < 2250, `retried after ${gap} ms, Retry-After was 2 s`);
  assert.equal(reqs[1]!.reply, 200);
  await until(() => store.listNotifications({ state: 'sent' }).items.length === 1);
  assert.equal(await metricValue(metrics, 'forkwatch_notifications_total', { sink: 'slack', outcome: 'retry' }), 1);
});

test('500, a hang (timeout) and a malformed response are retried with exponential backoff, then delivered once', async (t) => {
  const { slack, store, sender, metrics } = await setup(t, {
    timeout: '300ms',
    backoffBaseMs: 200,
    slackMinIntervalMs: 20,
  });
  slack.enqueue({ kind: 'status', status: 500, body: 'oops' }, { kind: 'hang' }, { kind: 'malformed' });
  confirmChild(store, 5201);
  sender.start();
  const reqs = await slack.waitForRequests(4, 8000);
  const gaps = reqs.slice(1).map((r, i) => r.at - reqs[i]!.at);
  // random() = 1: delays 200, 400, 800 ms after each failure; the hang adds its 300 ms timeout.
  // Gaps are seen at the stand-in: a request that reaches it late (a loaded host) shortens the
  // gap after it, as the sender's clock (its timeout, its backoff) started when it sent. So the
  // lower bound is 10% under (still far from the step below: 200, 700, 800 tell the steps apart).
  const want = [200, 300 + 400, 800];
  gaps.forEach((g, i) => assert.ok(g >= want[i]! * 0.9 && g < want[i]! + 250, `gap ${i}: ${g} ms, want ~${want[i]}`));
  assert.deepEqual(
    reqs.map((r) => r.reply),
    [500, 'hang', 'malformed', 200],
  );
  await until(() => store.listNotifications({ state: 'sent' }).items.length === 1);
  const row = store.listNotifications({ state: 'sent' }).items[0]!;
  assert.equal(row.attempts, 4);
  assert.equal(await metricValue(metrics, 'forkwatch_notifications_total', { sink: 'slack', outcome: 'retry' }), 3);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(slack.requests.length, 4);
});

test('a permanent 4xx is dead-lettered with the response recorded, counted, and not retried', async (t) => {
  const { slack, store, sender, metrics, logs } = await setup(t);
  slack.enqueue({ kind: 'status', status: 403, body: 'action_prohibited' });
  confirmChild(store, 5301);
  const reports = await (async () => {
    await new Promise((r) => setTimeout(r, 250));
    return sender.drainOnce();
  })();
  assert.deepEqual(reports, [{ sink: 'slack', sent: 0, retry: 0, dead: 1, deferred: 0 }]);
  const dead = store.listNotifications({ state: 'dead' }).items;
  assert.equal(dead.length, 1);
  assert.equal(dead[0]!.response, 'action_prohibited');
  assert.match(dead[0]!.lastError!, /HTTP 403/);
  assert.equal(await metricValue(metrics, 'forkwatch_notifications_total', { sink: 'slack', outcome: 'dead' }), 1);
  await sender.drainOnce();
  assert.equal(slack.requests.length, 1);
  assertNoSecret(slack, logs.text(), JSON.stringify(dead));
});

test('reminders while the incident stays open, every repeatInterval', async (t) => {
  const { slack, store, sender } = await setup(t, { repeatInterval: '1s' });
  confirmChild(store, 5401);
  sender.start();
  const reqs = await slack.waitForRequests(2, 5000);
  assert.match(reqs[1]!.json!.text!, /^Still hung \(reminder 1\): child 5401/);
  assert.ok(reqs[1]!.at - reqs[0]!.at >= 990);
});

test('stop() aborts a hung request; the notification stays pending and is delivered after a restart', async (t) => {
  const { slack, store, config, sender } = await setup(t, { timeout: '10s' });
  slack.enqueue({ kind: 'hang' });
  confirmChild(store, 5501);
  sender.start();
  await slack.waitForRequests(1, 5000);
  const t0 = Date.now();
  await sender.stop();
  assert.ok(Date.now() - t0 < 500, 'stop waited for the hung request');
  assert.equal(store.listNotifications({ state: 'pending' }).items.length, 1);
  const again: AlertSender = createAlertSender({
    config,
    store,
    logger: captureLogs().logger,
    pollIntervalMs: 50,
    groupWaitMs: 0,
    backoff: { baseMs: 100, maxMs: 100 },
  });
  t.after(() => again.stop());
  again.start();
  await slack.waitForRequests(2, 5000);
  await until(() => store.listNotifications({ state: 'sent' }).items.length === 1);
});
