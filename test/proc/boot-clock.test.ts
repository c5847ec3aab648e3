import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBootTimeSec, readStartTimeMs, startTimeMs } from '../../src/proc/boot-clock.js';
import { createFakeProc, FAKE_BTIME } from '../helpers/fake-proc.js';

test('start time: btime + starttime / CLK_TCK', () => {
  assert.equal(startTimeMs(194159, 1795941983, 100), 1795941983000 + 1941590);
  assert.equal(startTimeMs(250, 1000, 250), 1_001_000);
});

test('readBootTimeSec / readStartTimeMs: one source for every reader; null without a Linux /proc/stat', () => {
  const fake = createFakeProc();
  try {
    fake.add({ pid: 7, startTicks: 250 });
    assert.equal(readBootTimeSec(fake.root), FAKE_BTIME);
    assert.equal(readStartTimeMs(fake.root, 7), FAKE_BTIME * 1000 + 2500);
    assert.equal(readStartTimeMs(fake.root, 8), null, 'no such pid');
    assert.equal(readBootTimeSec(`${fake.root}/7`), null, 'a directory without a stat btime line');
  } finally {
    fake.cleanup();
  }
});

test('the real /proc: btime is in the past and this process started after it', () => {
  const btime = readBootTimeSec('/proc')!;
  assert.ok(btime > 1_000_000_000 && btime * 1000 < Date.now());
  const mine = readStartTimeMs('/proc', process.pid)!;
  assert.ok(mine >= btime * 1000 && mine <= Date.now() + 1000, `${mine}`);
});
