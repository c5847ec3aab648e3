import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IncidentNotFoundError,
  IncidentStateError,
  incidentId,
  type IncidentStore,
  type IncidentState,
  type ResolvedReason,
} from '../../src/record/index.js';
import { CONFIRM, HOST, keyOf, suspect, tempStore } from './fixture.js';

const A = suspect(5001);
const KEY = keyOf(A);
const ID = incidentId(KEY);
const audit = (outcome: string) => ({
  at: 1_700_000_100_000,
  action: 'remediate',
  mode: 'kill',
  outcome,
  detail: 'SIGKILL sent',
});

type Step = (s: IncidentStore) => unknown;
const observe =
  (at: number): Step =>
  (s) =>
    s.observeSuspects(at, [A]);
const confirm: Step = (s) => s.confirm(KEY, CONFIRM);
const gone =
  (at: number): Step =>
  (s) =>
    s.resolveMissing(at, [], ['jenkins']);
const remediate: Step = (s) => s.markRemediated(ID, audit('killed'));

interface Row {
  name: string;
  steps: Step[];
  state: IncidentState;
  /** Outbox transitions per sink, in order. */
  transitions: string[];
  resolvedReason?: ResolvedReason | null;
  audit?: number;
}

const TABLE: Row[] = [
  { name: 'suspect seen once', steps: [observe(1000)], state: 'suspect', transitions: [] },
  {
    name: 'suspect seen by many scans',
    steps: [observe(1000), observe(2000), observe(3000)],
    state: 'suspect',
    transitions: [],
  },
  {
    name: 'suspect that vanishes: resolved silently',
    steps: [observe(1000), gone(2000)],
    state: 'resolved',
    transitions: [],
    resolvedReason: 'gone',
  },
  { name: 'confirmed', steps: [observe(1000), confirm], state: 'confirmed', transitions: ['opened'] },
  {
    name: 'confirmed twice: one alert',
    steps: [observe(1000), confirm, confirm],
    state: 'confirmed',
    transitions: ['opened'],
  },
  {
    name: 'confirmed then gone',
    steps: [observe(1000), confirm, gone(3000)],
    state: 'resolved',
    transitions: ['opened', 'resolved'],
    resolvedReason: 'gone',
  },
  {
    name: 'confirmed, remediated, gone',
    steps: [observe(1000), confirm, remediate, gone(3000)],
    state: 'resolved',
    transitions: ['opened', 'remediated', 'resolved'],
    audit: 1,
  },
  {
    name: 'remediated twice: one alert, two audit records',
    steps: [observe(1000), confirm, remediate, remediate],
    state: 'remediated',
    transitions: ['opened', 'remediated'],
    audit: 2,
  },
  {
    name: 'resolved then seen again (same pid and start): reopened, no second alert',
    steps: [observe(1000), confirm, gone(2000), observe(3000)],
    state: 'confirmed',
    transitions: ['opened', 'resolved'],
    resolvedReason: null,
    audit: 1,
  },
];

for (const row of TABLE) {
  test(`lifecycle: ${row.name}`, (t) => {
    const { store } = tempStore(t);
    for (const step of row.steps) step(store);
    const inc = store.get(ID);
    assert.ok(inc);
    assert.equal(inc.state, row.state);
    assert.equal(inc.key, KEY);
    if (row.resolvedReason !== undefined) assert.equal(inc.resolvedReason, row.resolvedReason);
    assert.equal(inc.audit.length, row.audit ?? 0);
    for (const sink of ['slack', 'alertmanager']) {
      const rows = store.listNotifications({ sink, limit: 100 }).items.reverse();
      assert.deepEqual(
        rows.map((r) => r.transition),
        row.transitions,
        sink,
      );
    }
    assert.equal(store.list({ limit: 100 }).items.length, 1, 'one incident per child');
  });
}

test('transition timestamps are set once and kept', (t) => {
  const { store, clock } = tempStore(t);
  store.observeSuspects(1000, [A]);
  store.observeSuspects(2000, [A]);
  const c = store.confirm(KEY, { ...CONFIRM, at: 2500 });
  clock.t = 9999;
  store.confirm(KEY, { ...CONFIRM, at: 2600, signatureId: 'other' });
  store.markRemediated(ID, { ...audit('killed'), at: 2700 });
  store.resolveMissing(2800, [], ['jenkins']);
  const inc = store.get(ID)!;
  assert.equal(c.confirmedAt, 2500);
  assert.deepEqual(
    [inc.openedAt, inc.lastSeenAt, inc.confirmedAt, inc.remediatedAt, inc.resolvedAt, inc.signatureId],
    [1000, 2000, 2500, 2700, 2800, 'other'],
  );
  assert.equal(inc.jenkinsJob, 'demo-job');
  assert.deepEqual(inc.forkingThread, CONFIRM.forkingThread);
});

test('pid reuse: same child pid with a new start time resolves the old incident and opens a new one', (t) => {
  const { store } = tempStore(t);
  store.observeSuspects(1000, [A]);
  store.confirm(KEY, CONFIRM);
  const reused = suspect(A.childPid, A.childStartMs + 60_000);
  const opened = store.observeSuspects(2000, [reused]).opened;
  const resolved = store.resolveMissing(2000, [keyOf(reused)], ['jenkins']);
  assert.deepEqual(
    resolved.map((r) => [r.key, r.resolvedReason]),
    [[KEY, 'pid-reused']],
  );
  assert.deepEqual(
    opened.map((o) => o.key),
    [keyOf(reused)],
  );
  assert.notEqual(opened[0]!.id, ID);
  assert.equal(store.get(keyOf(reused))!.state, 'suspect');
  assert.deepEqual(
    store.openIncidents().map((i) => i.key),
    [keyOf(reused)],
  );
});

test('resolveMissing leaves incidents of targets whose scan failed (or that were not scanned) open', (t) => {
  const { store } = tempStore(t);
  const other = suspect(6001, undefined, { targetName: 'agent-1', targetPid: 777 });
  store.observeSuspects(1000, [A, other]);
  store.confirm(KEY, CONFIRM);
  assert.deepEqual(store.resolveMissing(2000, [], []), [], 'no target scanned: nothing resolved');
  const r = store.resolveMissing(2000, [], ['agent-1']);
  assert.deepEqual(
    r.map((i) => i.key),
    [keyOf(other)],
  );
  assert.equal(store.get(KEY)!.state, 'confirmed');
  assert.deepEqual(
    store.listNotifications({ sink: 'slack' }).items.map((n) => n.transition),
    ['opened'],
  );
});

test("resolveMissing keeps children still present and never touches another host's incidents", (t) => {
  const { store, dir } = tempStore(t);
  const other = tempStore(t, { stateDir: dir, host: 'other-host' }).store;
  other.observeSuspects(1000, [A]);
  const B = suspect(5002);
  store.observeSuspects(1000, [A, B]);
  const r = store.resolveMissing(2000, [KEY], ['jenkins']);
  assert.deepEqual(
    r.map((i) => i.key),
    [keyOf(B)],
  );
  assert.equal(store.get(KEY)!.state, 'suspect');
  assert.deepEqual(
    store.resolveMissing(3000, [], ['jenkins']).map((i) => i.host),
    [HOST],
  );
  assert.equal(other.get(keyOf(A, 'other-host'))!.state, 'suspect');
});

test('a restart continues the same incident: no duplicate, lastSeen advances', (t) => {
  const first = tempStore(t);
  first.store.observeSuspects(1000, [A]);
  first.store.confirm(KEY, CONFIRM);
  first.store.close();
  const { store } = tempStore(t, { stateDir: first.dir });
  const r = store.observeSuspects(5000, [A]);
  assert.deepEqual([r.opened.length, r.seen], [0, 1]);
  store.confirm(KEY, CONFIRM);
  const inc = store.get(ID)!;
  assert.deepEqual([inc.state, inc.openedAt, inc.lastSeenAt], ['confirmed', 1000, 5000]);
  assert.equal(store.listNotifications({ sink: 'slack' }).items.length, 1);
});

test('state errors: remediating a suspect, confirming or remediating a resolved incident; unknown ids', (t) => {
  const { store } = tempStore(t);
  store.observeSuspects(1000, [A]);
  assert.throws(() => store.markRemediated(ID, audit('killed')), IncidentStateError);
  store.resolveMissing(2000, [], ['jenkins']);
  assert.throws(() => store.confirm(KEY, CONFIRM), IncidentStateError);
  assert.throws(() => store.markRemediated(ID, audit('killed')), IncidentStateError);
  assert.throws(() => store.confirm('nope', CONFIRM), IncidentNotFoundError);
  assert.throws(() => store.addAudit('0123456789abcdef', audit('x')), IncidentNotFoundError);
  assert.equal(store.get('0123456789abcdef'), null);
  // Nothing half-written by the failed transactions.
  assert.equal(store.get(ID)!.audit.length, 0);
  assert.equal(store.listNotifications({}).items.length, 0);
});

test('get() finds an incident by id and by key; ids are short, URL-safe and stable', (t) => {
  const { store } = tempStore(t);
  const [opened] = store.observeSuspects(1000, [A]).opened;
  assert.match(opened!.id, /^[0-9a-f]{16}$/);
  assert.equal(opened!.id, incidentId(KEY));
  assert.equal(store.get(KEY)!.id, opened!.id);
  assert.equal(store.get(opened!.id)!.key, KEY);
});

test('audit records keep order and structured data; dry-run decisions do not change state', (t) => {
  const { store } = tempStore(t);
  store.observeSuspects(1000, [A]);
  store.confirm(KEY, CONFIRM);
  store.addAudit(ID, {
    at: 3000,
    action: 'remediate',
    mode: 'dry-run',
    outcome: 'skipped',
    detail: 'dry-run: would SIGKILL',
    data: { pid: 5001 },
  });
  store.addAudit(ID, {
    at: 3001,
    action: 'operator-kill',
    mode: 'operator',
    outcome: 'refused',
    detail: 'identity changed',
    actor: 'api',
  });
  const inc = store.get(ID)!;
  assert.equal(inc.state, 'confirmed');
  assert.deepEqual(
    inc.audit.map((a) => [a.at, a.mode, a.outcome, a.data ?? null, a.actor ?? null]),
    [
      [3000, 'dry-run', 'skipped', { pid: 5001 }, null],
      [3001, 'operator', 'refused', null, 'api'],
    ],
  );
});

test('counts() groups open incidents by target, signature and state', (t) => {
  const { store } = tempStore(t);
  const B = suspect(5002);
  const C = suspect(5003, undefined, { targetName: 'agent-1', targetPid: 1 });
  store.observeSuspects(1000, [A, B, C, suspect(5004)]);
  store.confirm(KEY, CONFIRM);
  store.confirm(keyOf(B), CONFIRM);
  store.resolveMissing(2000, [KEY, keyOf(B), keyOf(C)], ['jenkins']);
  assert.deepEqual(store.counts(), {
    open: [
      { target: 'agent-1', signature: null, state: 'suspect', count: 1 },
      { target: 'jenkins', signature: CONFIRM.signatureId, state: 'confirmed', count: 2 },
    ],
    resolvedRetained: 1,
  });
});

test('staleSuspects() lists suspects unconfirmed since a given time', (t) => {
  const { store } = tempStore(t);
  store.observeSuspects(1000, [A]);
  store.observeSuspects(5000, [suspect(5002)]);
  store.confirm(keyOf(suspect(5002)), CONFIRM);
  assert.deepEqual(
    store.staleSuspects(4000).map((i) => i.key),
    [KEY],
  );
  assert.deepEqual(store.staleSuspects(999), []);
});
