import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidCursorError, StoreInputError, type IncidentSummary } from '../../src/record/index.js';
import { CONFIRM, keyOf, suspect, tempStore } from './fixture.js';

function pageAll(
  list: (cursor: string | null) => { items: IncidentSummary[]; nextCursor: string | null },
): IncidentSummary[] {
  const out: IncidentSummary[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const page = list(cursor);
    out.push(...page.items);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
  throw new Error('pagination does not end');
}

test('list pages newest first, without gaps or repeats, also across equal openedAt', (t) => {
  const { store } = tempStore(t);
  // 25 incidents over 5 scans: 5 share each openedAt, so the id breaks ties.
  for (let scan = 0; scan < 5; scan++) {
    store.observeSuspects(
      1000 * (scan + 1),
      Array.from({ length: 5 }, (_, i) => suspect(100 + scan * 5 + i)),
    );
  }
  const all = pageAll((cursor) => store.list({ limit: 7, cursor }));
  assert.equal(all.length, 25);
  assert.equal(new Set(all.map((i) => i.id)).size, 25);
  const order = all.map((i) => [i.openedAt, i.id] as const);
  const sorted = [...order].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : -1));
  assert.deepEqual(order, sorted);
  assert.equal(store.list({ limit: 25 }).nextCursor, null);
});

test('a page cursor stays valid while new incidents arrive and old ones change', (t) => {
  const { store } = tempStore(t);
  store.observeSuspects(
    1000,
    Array.from({ length: 10 }, (_, i) => suspect(200 + i)),
  );
  const first = store.list({ limit: 4 });
  store.observeSuspects(2000, [suspect(999)]); // newer: belongs before page 1, must not appear later
  store.resolveMissing(3000, [], ['jenkins']);
  const rest = pageAll((cursor) => store.list({ limit: 4, cursor: cursor ?? first.nextCursor }));
  assert.equal(first.items.length + rest.length, 10);
  assert.equal(new Set([...first.items, ...rest].map((i) => i.id)).size, 10);
});

test('list filters: state (one, many, open), target, signature, since', (t) => {
  const { store } = tempStore(t);
  const agent = suspect(301, undefined, { targetName: 'agent-1', targetPid: 9 });
  store.observeSuspects(1000, [suspect(300), agent]);
  store.observeSuspects(2000, [suspect(302), suspect(303)]);
  store.confirm(keyOf(suspect(302)), CONFIRM);
  store.resolveMissing(3000, [keyOf(suspect(300)), keyOf(suspect(302)), keyOf(agent)], ['jenkins']);
  const keys = (q: Parameters<typeof store.list>[0]) =>
    store
      .list(q)
      .items.map((i) => i.childPid)
      .sort();
  assert.deepEqual(keys({ state: 'suspect' }), [300, 301]);
  assert.deepEqual(keys({ state: ['confirmed', 'resolved'] }), [302, 303]);
  assert.deepEqual(keys({ state: 'open' }), [300, 301, 302]);
  assert.deepEqual(keys({ target: 'agent-1' }), [301]);
  assert.deepEqual(keys({ signature: CONFIRM.signatureId }), [302]);
  assert.deepEqual(keys({ since: 2000 }), [302, 303]);
  assert.deepEqual(keys({ since: 2000, state: 'open', target: 'jenkins' }), [302]);
});

test('bad cursors and limits are typed errors', (t) => {
  const { store } = tempStore(t);
  for (const cursor of [
    'garbage!',
    Buffer.from('[1]').toString('base64url'),
    Buffer.from('["x","y"]').toString('base64url'),
    'x'.repeat(300),
  ]) {
    assert.throws(() => store.list({ cursor }), InvalidCursorError, cursor);
  }
  assert.throws(
    () => store.listNotifications({ cursor: Buffer.from('["a"]').toString('base64url') }),
    InvalidCursorError,
  );
  for (const limit of [0, -1, 1001, 1.5]) assert.throws(() => store.list({ limit }), StoreInputError);
});
