import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResponseCache } from '../../src/expose/response-cache.js';

test('a kept answer serves while its version holds and it is young; a new version, age or a running tick (null) drops it', () => {
  let now = 1000;
  let version: string | null = 'tick1 0';
  const cache = createResponseCache({
    maxAgeMs: 1000,
    maxEntries: 2,
    maxBytes: 1024,
    version: () => version,
    now: () => now,
  });
  const body = Buffer.from('{"items":[]}');
  cache.put('p /api/v1/incidents', body);
  assert.equal(cache.get('p /api/v1/incidents'), body);
  assert.equal(cache.get('a /api/v1/incidents'), null, 'another disclosure is another key');
  version = 'tick1 1'; // a write request finished
  assert.equal(cache.get('p /api/v1/incidents'), null);
  cache.put('p /api/v1/incidents', body);
  now += 1000;
  assert.equal(cache.get('p /api/v1/incidents'), null, 'too old');
  version = null; // a tick is running: nothing kept, nothing served
  cache.put('p /x', body);
  assert.equal(cache.get('p /x'), null);
});

test('at most maxEntries answers and maxBytes in all are kept (the oldest goes); a larger answer is not kept', () => {
  const cache = createResponseCache({ maxAgeMs: 1000, maxEntries: 2, maxBytes: 10, version: () => 'v' });
  for (const k of ['a', 'b', 'c']) cache.put(k, Buffer.from(k));
  assert.equal(cache.get('a'), null);
  assert.equal(cache.get('b')?.toString(), 'b');
  assert.equal(cache.get('c')?.toString(), 'c');
  cache.put('d', Buffer.from('dddddddd')); // 8 bytes: with c (1) within 10, b goes for the count
  assert.equal(cache.get('b'), null);
  assert.equal(cache.get('c')?.toString(), 'c');
  cache.put('e', Buffer.from('eeeeeeeeeee')); // 11 bytes: never kept
  assert.equal(cache.get('e'), null);
  assert.equal(cache.get('d')?.toString(), 'dddddddd');
});

test('a stale answer is dropped when another is kept, not left in memory until asked for', () => {
  let version = 'v1';
  const cache = createResponseCache({ maxAgeMs: 1000, maxEntries: 4, maxBytes: 4, version: () => version });
  cache.put('a', Buffer.from('aaa'));
  version = 'v2';
  cache.put('b', Buffer.from('bbb')); // fits only because the stale a is gone
  assert.equal(cache.get('b')?.toString(), 'bbb');
});
