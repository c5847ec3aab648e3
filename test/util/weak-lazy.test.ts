import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { weakLazy } from '../../src/util/weak-lazy.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('weakLazy builds once while the value is in use', () => {
  let builds = 0;
  const get = weakLazy(() => ({ n: ++builds }));
  const first = get();
  assert.equal(get(), first);
  assert.equal(get(), first);
  assert.equal(builds, 1);
});

test('weakLazy lets the GC take the value, then builds it again', async () => {
  let builds = 0;
  const get = weakLazy(() => ({ n: ++builds, payload: new Array(1000).fill(0) }));
  assert.equal(get().n, 1);
  // A WeakRef target stays alive until the current job ends: collect after it.
  await new Promise((r) => setImmediate(r));
  gc();
  assert.equal(get().n, 2, 'the first value was kept alive by weakLazy itself');
  assert.equal(builds, 2);
});
