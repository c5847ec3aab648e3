import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from '../../src/util/sleep.js';

test('sleep: true after the wait; false at once when the signal aborts during it or had already', async () => {
  const t0 = performance.now();
  assert.equal(await sleep(20), true);
  assert.ok(performance.now() - t0 >= 15);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 10);
  const t1 = performance.now();
  assert.equal(await sleep(60_000, ac.signal), false);
  assert.ok(performance.now() - t1 < 5_000, 'ended by the abort');
  assert.equal(await sleep(60_000, ac.signal), false, 'already aborted');
  assert.equal(await sleep(0), true);
});
