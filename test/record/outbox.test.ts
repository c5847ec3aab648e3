import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, StoreInputError } from '../../src/record/index.js';
import { CONFIRM, HOST, keyOf, suspect, tempStore } from './fixture.js';

const A = suspect(7001);
const KEY = keyOf(A);

test('a confirmation writes one row per sink with a snapshot of the incident at that moment', (t) => {
  const { store, clock } = tempStore(t);
  store.observeSuspects(1000, [A]);
  const inc = store.confirm(KEY, { ...CONFIRM, evidence: { stackRaw: '#0 fork', matches: [] } });
  clock.t += 10;
  store.addAudit(inc.id, { at: 5, action: 'remediate', mode: 'dry-run', outcome: 'skipped', detail: 'would kill' });
  for (const sink of ['slack', 'alertmanager']) {
    const due = store.listDueNotifications(sink, clock.t, 10);
    assert.equal(due.length, 1);
    const item = due[0]!;
    assert.deepEqual(
      [
        item.incidentId,
        item.transition,
        item.sink,
        item.state,
        item.attempts,
        item.lastError,
        item.response,
        item.sentAt,
      ],
      [inc.id, 'opened', sink, 'pending', 0, null, null, null],
    );
    assert.equal(item.createdAt, clock.t - 10);
    assert.equal(item.nextAttemptAt, item.createdAt);
    assert.equal(item.incident.state, 'confirmed');
    assert.equal(item.incident.signatureId, CONFIRM.signatureId);
    assert.equal(item.incident.jenkinsJob, 'demo-job');
    assert.deepEqual(item.incident.audit, [], 'snapshot is from enqueue time');
    assert.equal(item.incident.evidence.stackRaw, undefined, 'bulky evidence is not copied into the outbox');
    assert.deepEqual(item.incident.evidence.matches, []);
  }
  assert.deepEqual(store.listDueNotifications('pagerduty', clock.t, 10), []);
});

test('replays never duplicate: confirm again, reopen and re-resolve, reminders twice', (t) => {
  const { store } = tempStore(t);
  store.observeSuspects(1000, [A]);
  const id = store.confirm(KEY, CONFIRM).id;
  store.confirm(KEY, CONFIRM);
  store.resolveMissing(2000, [], ['jenkins']);
  store.observeSuspects(3000, [A]); // reopened
  store.resolveMissing(4000, [], ['jenkins']);
  store.observeSuspects(5000, [A]);
  assert.equal(store.enqueueReminder(id, 1), true);
  assert.equal(store.enqueueReminder(id, 1), false);
  assert.equal(store.enqueueReminder(id, 2), true);
  const rows = store.listNotifications({ limit: 100 }).items;
  const seen = rows.map((r) => `${r.incidentId}/${r.transition}/${r.sink}`);
  assert.equal(new Set(seen).size, seen.length);
  assert.deepEqual(
    rows
      .filter((r) => r.sink === 'slack')
      .map((r) => r.transition)
      .reverse(),
    ['opened', 'resolved', 'reminder:1', 'reminder:2'],
  );
});

test('reminders only for open, confirmed incidents', (t) => {
  const { store } = tempStore(t);
  store.observeSuspects(1000, [A, suspect(7002)]);
  const suspectId = store.get(keyOf(suspect(7002)))!.id;
  assert.equal(store.enqueueReminder(suspectId, 1), false);
  const id = store.confirm(KEY, CONFIRM).id;
  store.resolveMissing(2000, [], ['jenkins']);
  assert.equal(store.enqueueReminder(id, 1), false);
  assert.throws(() => store.enqueueReminder(id, 0), StoreInputError);
});

test('delivery order per incident and sink: a later transition waits for an earlier one in retry', (t) => {
  const { store, clock } = tempStore(t);
  clock.t = 1000;
  store.observeSuspects(1000, [A, suspect(7002)]);
  store.confirm(KEY, CONFIRM);
  store.confirm(keyOf(suspect(7002)), CONFIRM);
  const [openedA, openedB] = store.listDueNotifications('slack', 1000, 10);
  assert.equal(openedA!.incidentId, store.get(KEY)!.id);
  store.markNotificationRetry(openedA!.id, 5000, 'HTTP 503');
  store.markNotificationSent(openedB!.id, 1500, '200 ok');
  clock.t = 2000;
  store.resolveMissing(2000, [], ['jenkins']);
  // At 3000: A's 'opened' waits until 5000, so A's 'resolved' must wait too; B's 'resolved' is due.
  assert.deepEqual(
    store.listDueNotifications('slack', 3000, 10).map((r) => [r.incidentId, r.transition]),
    [[openedB!.incidentId, 'resolved']],
  );
  const at5000 = store.listDueNotifications('slack', 5000, 10).map((r) => [r.incidentId, r.transition]);
  assert.deepEqual(at5000, [
    [openedA!.incidentId, 'opened'],
    [openedB!.incidentId, 'resolved'],
  ]);
  store.markNotificationDead(openedA!.id, 'HTTP 404', '404 no_service');
  assert.deepEqual(
    store.listDueNotifications('slack', 5000, 10).map((r) => r.transition),
    ['resolved', 'resolved'],
    'a dead row does not block',
  );
});

test('mark*: attempts, errors and responses recorded; marks on finished rows are no-ops', (t) => {
  const { store } = tempStore(t);
  store.observeSuspects(1000, [A]);
  store.confirm(KEY, CONFIRM);
  const [slack] = store.listDueNotifications('slack', 2e12, 1);
  const [am] = store.listDueNotifications('alertmanager', 2e12, 1);
  store.markNotificationRetry(slack!.id, 9000, 'ECONNRESET');
  store.markNotificationRetry(slack!.id, 12000, 'HTTP 429');
  store.markNotificationSent(slack!.id, 12001, '200 ok');
  store.markNotificationSent(slack!.id, 13000, 'again');
  store.markNotificationRetry(slack!.id, 99999, 'late');
  store.markNotificationDead(am!.id, 'HTTP 400', '400 invalid_payload');
  store.markNotificationSent(am!.id, 1, 'too late');
  const byId = new Map(store.listNotifications({}).items.map((i) => [i.id, i]));
  const s = byId.get(slack!.id)!;
  assert.deepEqual(
    [s.state, s.attempts, s.lastError, s.response, s.sentAt, s.nextAttemptAt],
    ['sent', 3, 'HTTP 429', '200 ok', 12001, 12000],
  );
  const a = byId.get(am!.id)!;
  assert.deepEqual(
    [a.state, a.attempts, a.lastError, a.response, a.sentAt],
    ['dead', 1, 'HTTP 400', '400 invalid_payload', null],
  );
  assert.deepEqual(
    store.listNotifications({ state: 'dead' }).items.map((i) => i.id),
    [am!.id],
  );
  assert.deepEqual(
    store.listNotifications({ state: 'sent', sink: 'slack' }).items.map((i) => i.id),
    [slack!.id],
  );
  assert.deepEqual(store.listNotifications({ state: 'pending' }).items, []);
});

test('outboxStats: pending, oldest pending age and dead per sink, zeros for idle sinks', (t) => {
  const { store, clock } = tempStore(t);
  assert.deepEqual(store.outboxStats(clock.t), [
    { sink: 'slack', pending: 0, oldestPendingAgeMs: 0, dead: 0 },
    { sink: 'alertmanager', pending: 0, oldestPendingAgeMs: 0, dead: 0 },
  ]);
  store.observeSuspects(1000, [A, suspect(7002)]);
  const t0 = clock.t;
  store.confirm(KEY, CONFIRM);
  clock.t += 500;
  store.confirm(keyOf(suspect(7002)), CONFIRM);
  const [first] = store.listDueNotifications('alertmanager', clock.t, 1);
  store.markNotificationDead(first!.id, 'HTTP 400', null);
  assert.deepEqual(store.outboxStats(t0 + 2000), [
    { sink: 'slack', pending: 2, oldestPendingAgeMs: 2000, dead: 0 },
    { sink: 'alertmanager', pending: 1, oldestPendingAgeMs: 1500, dead: 1 },
  ]);
});

test('listNotifications pages newest first without repeats', (t) => {
  const { store } = tempStore(t);
  const many = Array.from({ length: 9 }, (_, i) => suspect(8000 + i));
  store.observeSuspects(1000, many);
  for (const s of many) store.confirm(keyOf(s), CONFIRM);
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const page = store.listNotifications({ limit: 4, cursor });
    ids.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
  } while (cursor);
  assert.equal(ids.length, 18);
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => b - a),
  );
});

test('a sink removed from the config keeps its rows; a sink added later gets rows for new transitions only', (t) => {
  const first = tempStore(t, { sinks: ['slack'] });
  first.store.observeSuspects(1000, [A]);
  const id = first.store.confirm(KEY, CONFIRM).id;
  first.store.close();
  const store = openStore({ stateDir: first.dir, host: HOST, sinks: ['alertmanager'] });
  t.after(() => store.close());
  store.resolveMissing(2000, [], ['jenkins']);
  const rows = store
    .listNotifications({})
    .items.map((r) => [r.incidentId, r.transition, r.sink])
    .reverse();
  assert.deepEqual(rows, [
    [id, 'opened', 'slack'],
    [id, 'resolved', 'alertmanager'],
  ]);
  assert.deepEqual(
    store.outboxStats(3000).map((s) => s.sink),
    ['alertmanager', 'slack'],
  );
});

test('retention: resolved incidents older than retentionMs are pruned with their outbox and audit rows; open ones never', (t) => {
  const day = 24 * 3600 * 1000;
  const { store } = tempStore(t, { retentionMs: 30 * day });
  const old = suspect(9001);
  const recent = suspect(9002);
  const open = suspect(9003);
  store.observeSuspects(0, [old, recent, open]);
  store.confirm(keyOf(old), CONFIRM);
  store.addAudit(store.get(keyOf(old))!.id, { at: 1, action: 'note', mode: null, outcome: 'ok', detail: 'x' });
  store.resolveMissing(1 * day, [keyOf(recent), keyOf(open)], ['jenkins']);
  store.resolveMissing(20 * day, [keyOf(open)], ['jenkins']);
  assert.equal(store.pruneResolved(31 * day - 1), 0, 'not yet 30 days');
  assert.equal(store.pruneResolved(31 * day + 1), 1);
  assert.equal(store.get(keyOf(old)), null);
  assert.deepEqual(store.listNotifications({}).items, []);
  assert.equal(store.pruneResolved(1000 * day), 1);
  assert.deepEqual(
    store.list().items.map((i) => i.key),
    [keyOf(open)],
  );
  assert.equal(store.get(keyOf(open))!.state, 'suspect');
});

test('retention: digest rows (no incident) sent or dead before the cut are pruned; pending ones never; the key stays free', (t) => {
  const day = 24 * 3600 * 1000;
  const { store, clock } = tempStore(t, { retentionMs: 30 * day, sinks: ['slack'] });
  const start = clock.t;
  assert.equal(store.enqueueMessage('digest:sent', ['slack'], 'a'), 1);
  assert.equal(store.enqueueMessage('digest:dead', ['slack'], 'b'), 1);
  assert.equal(store.enqueueMessage('digest:pending', ['slack'], 'c'), 1);
  const due = store.listDueMessages('slack', start, 10);
  const id = (key: string): number => due.find((m) => m.key === key)!.id;
  store.markNotificationSent(id('digest:sent'), start, 'ok');
  store.markNotificationDead(id('digest:dead'), 'HTTP 404', null);
  clock.t = start + 10 * day;
  assert.equal(store.enqueueMessage('digest:recent', ['slack'], 'd'), 1);
  store.markNotificationSent(
    store.listDueMessages('slack', clock.t, 10).find((m) => m.key === 'digest:recent')!.id,
    clock.t,
  );

  store.pruneResolved(start + 30 * day - 1);
  assert.equal(store.enqueueMessage('digest:sent', ['slack'], 'a'), 0, 'not yet 30 days: the sent row is kept');

  store.pruneResolved(start + 30 * day + 1);
  assert.deepEqual(
    store.listDueMessages('slack', clock.t, 10).map((m) => m.key),
    ['digest:pending'],
    'the undelivered digest is still owed',
  );
  assert.equal(store.enqueueMessage('digest:recent', ['slack'], 'd'), 0, 'the recent one is kept');
  assert.equal(store.enqueueMessage('digest:dead', ['slack'], 'b'), 1, 'the old dead row is gone');
  store.pruneResolved(start + 1000 * day);
  assert.deepEqual(
    store.listDueMessages('slack', start + 1000 * day, 10).map((m) => m.key),
    ['digest:pending', 'digest:dead'],
  );
});
