/** ProcFS over a fixture archive (test/fixtures/proc/sleeper.txtar: a real `sleep` as this kernel showed it). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProcFS } from '../../src/proc/fs.js';
import { isFailure } from '../../src/proc/read.js';
import { createFakeProc } from '../helpers/fake-proc.js';

test('sleeper.txtar: each kernel file read and parsed', () => {
  const fake = createFakeProc({ fixture: 'sleeper' });
  try {
    const fs = new ProcFS(fake.root);
    const stat = fs.stat(4242);
    assert.ok(!isFailure(stat));
    assert.deepEqual(
      [stat.pid, stat.comm, stat.stateCode, stat.ppid, stat.numThreads, stat.startTicks],
      [4242, 'sleep', 'S', 4200, 1, 1253107],
    );
    const status = fs.status(4242);
    assert.ok(!isFailure(status));
    assert.deepEqual(
      [
        status.stateCode,
        status.threads,
        status.tracerPid,
        status.realUid,
        status.effectiveUid,
        status.voluntaryCtxtSwitches,
      ],
      ['S', 1, 0, 0, 0, 2],
    );
    assert.equal(status.capEff, 0x1fffeffffffn);
    const cmd = fs.cmdline(4242);
    assert.ok(!isFailure(cmd));
    assert.equal(cmd.bytes.toString('latin1'), 'sleep\u00001000\u0000');
    assert.equal(fs.wchan(4242), 'hrtimer_nanosleep');
    const sys = fs.syscall(4242);
    assert.ok(sys && !isFailure(sys));
    assert.equal(sys.nr, 230, 'clock_nanosleep on x86_64');
    assert.deepEqual(fs.children(4242), []);
    assert.deepEqual(fs.taskIds(4242), [4242]);
    assert.deepEqual(fs.pids(), [4242]);
    assert.equal(fs.bootTimeSec(), 1796520928, "the fixture's btime, not the builder's");
    assert.equal(fs.startTimeMs(4242), 1796520928 * 1000 + 12531070);
  } finally {
    fake.cleanup();
  }
});

test('a missing pid is gone for every file; a malformed stat is an error naming why', () => {
  const fake = createFakeProc();
  try {
    const fs = new ProcFS(fake.root);
    for (const r of [
      fs.stat(9),
      fs.status(9),
      fs.cmdline(9),
      fs.exe(9),
      fs.children(9),
      fs.maps(9),
      fs.io(9),
      fs.environ(9),
    ]) {
      assert.equal((r as { failed: string }).failed, 'gone');
    }
    fake.add({ pid: 9, comm: 'x' });
    fake.update(9, { state: '?' });
    const bad = fs.stat(9);
    assert.ok(isFailure(bad));
    assert.equal(bad.failed, 'error');
    assert.match(bad.code, /malformed stat: bad state/);
  } finally {
    fake.cleanup();
  }
});
