/** One render shared by every request for a moment (shared-render.ts), and kept(): the render sent without a promise. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedRender } from '../../src/page/shared-render.js';

function setup() {
  const clock = { t: 1000, version: 'v1', builds: 0 };
  let release: (() => void) | null = null;
  const render = sharedRender(
    () => {
      clock.builds++;
      const n = clock.builds;
      return new Promise<string>((resolve) => (release = () => resolve(`render ${n}`)));
    },
    { maxAgeMs: 500, version: () => clock.version, now: () => clock.t },
  );
  return { clock, render, finish: () => release!() };
}

test('sharedRender: requests during a render wait for it; kept() is null until it finished', async () => {
  const { clock, render, finish } = setup();
  assert.equal(render.kept(), null);
  const a = render();
  const b = render();
  assert.equal(render.kept(), null, 'a render running: nothing kept yet');
  finish();
  assert.deepEqual(await Promise.all([a, b]), ['render 1', 'render 1']);
  assert.equal(clock.builds, 1);
  assert.equal(render.kept(), 'render 1');
  assert.equal(await render(), 'render 1');
});

test('sharedRender: kept() and the render go stale with age and with a new version', async () => {
  const { clock, render, finish } = setup();
  const first = render();
  finish();
  await first;
  clock.t += 499;
  assert.equal(render.kept(), 'render 1');
  clock.t += 1;
  assert.equal(render.kept(), null, 'maxAgeMs reached');
  const second = render();
  finish();
  assert.equal(await second, 'render 2');
  clock.version = 'v2';
  assert.equal(render.kept(), null, 'a tick or a write came');
  const third = render();
  assert.equal(render.kept(), null, 'a render running');
  finish();
  assert.equal(await third, 'render 3');
  assert.equal(render.kept(), 'render 3');
});
