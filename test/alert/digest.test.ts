/**
 * The Slack digest through the real outbox (SQLite) and the Slack stand-in (a
 * real HTTP server that validates like Slack): what it lists, redaction,
 * Slack's limits, once per fire time, and the cursor for "resolved since".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAlertSender } from '../../src/alert/index.js';
import { createDigestJob, DIGEST_CURSOR } from '../../src/alert/digest.js';
import type { AtRiskProvider } from '../../src/extension/scheduled-jobs.js';
import { startSlackStandin, type RecordedRequest } from '../helpers/slack-standin.js';
import { alertConfig, captureLogs, confirmChild, realStore, until } from './fixture.js';

type T = Parameters<typeof realStore>[0];

async function setup(t: T) {
  const slack = await startSlackStandin();
  t.after(() => slack.close());
  const config = alertConfig({ alerts: { slack: { webhookUrl: slack.url, timeout: '2s', digest: '0 9 * * 1-5' } } });
  const { store, dir } = realStore(t, config);
  const logs = captureLogs();
  let provider: AtRiskProvider | null = null;
  const job = createDigestJob({ config, store, logger: logs.logger, atRisk: () => provider });
  const sender = createAlertSender({
    config,
    store,
    logger: logs.logger,
    pollIntervalMs: 50,
    groupWaitMs: 0,
    slackMinIntervalMs: 10,
    backoff: { baseMs: 100, maxMs: 200 },
  });
  t.after(() => sender.stop());
  return { slack, config, store, dir, logs, job, sender, setProvider: (p: AtRiskProvider) => void (provider = p) };
}

const digests = (reqs: RecordedRequest[]): RecordedRequest[] =>
  reqs.filter((r) => r.json?.text?.startsWith('forkwatch digest'));
const blocksText = (r: RecordedRequest): string => JSON.stringify(r.json?.blocks ?? []);
/** A fire time at or after now (resolved incidents count up to it), whole seconds as node-cron's. */
const nextSecond = (plusS = 1): Date => new Date(Math.ceil(Date.now() / 1000) * 1000 + plusS * 1000);

test('the digest lists open, resolved since, at risk and undeliverable; redacted; enqueued once per fire time; sent once', async (t) => {
  const { slack, store, job, sender, setProvider } = await setup(t);
  const open = confirmChild(store, 5001);
  const secretOpen = confirmChild(store, 5003, { targetName: 'jenkins password=hunter2hunter2' });
  const gone = confirmChild(store, 5002);
  store.resolveMissing(Date.now(), [store.get(open)!.key], ['jenkins']);
  assert.equal(store.get(gone)!.state, 'resolved');
  // One alert dead-lettered, the others pending: the digest reports both.
  const due = store.listDueNotifications('slack', Date.now(), 10);
  store.markNotificationDead(due[0]!.id, 'HTTP 404 no_service', 'no_service');
  setProvider(() => [
    {
      target: 'jenkins',
      pid: 4242,
      risk: 'high',
      reasons: ['-Djdk.lang.Process.launchMechanism=FORK', 'LD_PRELOAD token=abcdef0123456789'],
    },
  ]);

  const firedAt = nextSecond();
  assert.equal(await job(firedAt), 1, 'one outbox row for the Slack sink');
  assert.equal(await job(firedAt), 0, 'the same fire time again (a restart) enqueued a second digest');
  assert.equal(store.meta(DIGEST_CURSOR), String(firedAt.getTime()));
  assert.equal(store.listDueMessages('slack', Date.now(), 10).length, 1);

  sender.start();
  await until(() => digests(slack.requests).length >= 1, 10_000, 'the digest at the stand-in');
  await until(
    () =>
      store.listDueMessages('slack', Date.now(), 10).length === 0 &&
      store.listDueNotifications('slack', Date.now(), 10).length === 0,
    10_000,
    'the outbox drained',
  );
  await new Promise((r) => setTimeout(r, 300));
  const [d, ...more] = digests(slack.requests);
  assert.equal(more.length, 0, 'the digest went out twice');
  assert.equal(d!.reply, 200, `Slack refused it: ${d!.body.slice(0, 300)}`);
  const text = blocksText(d!);
  assert.match(text, /Open incidents\* \(2\)/);
  assert.ok(text.includes(open) && text.includes(secretOpen), 'an open incident is missing');
  assert.match(text, /Resolved since the last digest\* \(1\)/);
  assert.ok(text.includes(gone), 'the resolved incident is missing');
  assert.match(text, /Watched JVMs at risk\* \(1\)/);
  assert.match(text, /launchMechanism=FORK/);
  assert.match(text, /Undeliverable\* \(\d+\)/);
  assert.match(text, /slack: \d+ pending retry.*1 failed for good/);
  assert.ok(!d!.body.includes('hunter2hunter2') && !d!.body.includes('abcdef0123456789'), 'a secret reached Slack');
  assert.match(d!.body, /redacted/);

  // The next digest: nothing resolved since the last one; the at-risk provider failing does not stop it.
  setProvider(() => {
    throw new Error('audit not ready');
  });
  const next = nextSecond(2);
  assert.equal(await job(next), 1);
  await until(() => digests(slack.requests).length >= 2, 10_000, 'the second digest');
  const second = blocksText(digests(slack.requests)[1]!);
  assert.match(second, /Resolved since the last digest\* \(0\)/);
  assert.match(second, /Watched JVMs at risk\* \(0\)/);
  assert.equal(await job(firedAt), 0, 'an older fire time (behind the cursor) enqueued a digest');
});

test("a digest of hundreds of incidents stays within Slack's limits (the stand-in validates), the rest counted", async (t) => {
  const { slack, store, job, sender } = await setup(t);
  for (let i = 0; i < 300; i++) confirmChild(store, 6000 + i, { targetName: `jenkins-${'x'.repeat(60)}-${i}` });
  for (const n of store.listDueNotifications('slack', Date.now(), 1000))
    store.markNotificationSent(n.id, Date.now(), 'ok');
  assert.equal(await job(nextSecond()), 1);
  sender.start();
  await until(() => digests(slack.requests).length >= 1, 10_000, 'the digest');
  const d = digests(slack.requests)[0]!;
  assert.equal(d.reply, 200, d.body.slice(0, 300));
  assert.match(blocksText(d), /Open incidents\* \(300\)/);
  assert.match(blocksText(d), /… and 2\d\d more/);
});

test('a digest Slack refuses is dead-lettered like any alert, and the next digest reports it', async (t) => {
  const { slack, store, job, sender } = await setup(t);
  slack.enqueue({ kind: 'status', status: 400, body: 'invalid_blocks' });
  assert.equal(await job(nextSecond()), 1);
  sender.start();
  await until(
    () => store.outboxStats(Date.now()).find((s) => s.sink === 'slack')?.dead === 1,
    10_000,
    'the digest dead-lettered',
  );
  assert.equal(await job(nextSecond(2)), 1);
  await until(() => digests(slack.requests).length >= 2, 10_000, 'the next digest');
  assert.match(blocksText(digests(slack.requests)[1]!), /slack: 0 pending retry, 1 failed for good/);
});
