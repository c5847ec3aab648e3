/** openIncidents() reads again only when the database changed (store.ts): never a stale list, never a shared array. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CONFIRM, keyOf, suspect, tempStore } from './fixture.js';

const A = suspect(5001);
const B = suspect(5002);

test('openIncidents: the same summaries while nothing changed, each caller its own array, the summaries frozen', (t) => {
  const { store } = tempStore(t);
  store.observeSuspects(1000, [A, B]);
  const first = store.openIncidents();
  const second = store.openIncidents();
  assert.notEqual(first, second, 'a fresh array per call');
  assert.deepEqual(second, first);
  assert.equal(second[0], first[0], 'unchanged database: the summaries read once');
  first.pop();
  assert.equal(store.openIncidents().length, 2, "a caller's change to its array is its own");
  assert.ok(Object.isFrozen(second[0]));
  assert.throws(() => {
    (second[0] as { state: string }).state = 'resolved';
  }, TypeError);
});

test("openIncidents: this connection's writes show at once (observe, confirm, resolve)", (t) => {
  const { store } = tempStore(t);
  assert.deepEqual(store.openIncidents(), []);
  store.observeSuspects(1000, [A]);
  assert.deepEqual(
    store.openIncidents().map((i) => [i.key, i.state]),
    [[keyOf(A), 'suspect']],
  );
  store.confirm(keyOf(A), CONFIRM);
  assert.deepEqual(
    store.openIncidents().map((i) => [i.key, i.state]),
    [[keyOf(A), 'confirmed']],
  );
  store.observeSuspects(2000, [A, B]);
  assert.deepEqual(
    store.openIncidents().map((i) => [i.key, i.lastSeenAt]),
    [
      [keyOf(A), 2000],
      [keyOf(B), 2000],
    ],
  );
  store.resolveMissing(3000, [keyOf(B)], ['jenkins']);
  assert.deepEqual(
    store.openIncidents().map((i) => i.key),
    [keyOf(B)],
  );
});

test("openIncidents: another connection's commit shows at once (data_version)", (t) => {
  const { store, dir } = tempStore(t);
  store.observeSuspects(1000, [A, B]);
  assert.equal(store.openIncidents().length, 2);
  const other = new Database(join(dir, 'forkwatch.db'));
  t.after(() => other.close());
  other
    .prepare(`UPDATE incidents SET state = 'resolved', resolved_at = 2000, resolved_reason = 'gone' WHERE key = ?`)
    .run(keyOf(A));
  assert.deepEqual(
    store.openIncidents().map((i) => i.key),
    [keyOf(B)],
  );
});
