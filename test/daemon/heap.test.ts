import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectAfterFullScan } from '../../src/daemon/heap.js';

test('collectAfterFullScan calls global gc when node exposes it, and does nothing otherwise', () => {
  const g = globalThis as { gc?: () => void };
  const saved = g.gc;
  try {
    let calls = 0;
    g.gc = () => void calls++;
    assert.equal(collectAfterFullScan(), true);
    assert.equal(calls, 1);
    g.gc = undefined;
    assert.equal(collectAfterFullScan(), false);
  } finally {
    g.gc = saved;
  }
});
