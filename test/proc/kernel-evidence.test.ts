import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readKernelEvidence } from '../../src/proc/kernel-evidence.js';
import { createFakeProc } from '../helpers/fake-proc.js';

const HUNG_SYSCALL = '202 0x55dc615ee1c0 0x80 0x2 0x0 0x0 0x0 0x7ffc73030818 0x7fd3452c712b';

test('readKernelEvidence reads a proc tree under procRoot; a vanished pid gives null', () => {
  const fake = createFakeProc();
  try {
    fake.add({
      pid: 9573,
      ppid: 9567,
      comm: 'deadlocker-2ac1',
      utime: 3,
      stime: 2,
      startTicks: 187654,
      syscall: HUNG_SYSCALL,
      wchan: 'futex_do_wait',
    });
    const ev = readKernelEvidence(9573, { procRoot: fake.root, arch: 'x64', now: () => 5 })!;
    assert.deepEqual(
      [
        ev.at,
        ev.state,
        ev.threads,
        ev.wchan,
        ev.syscallNr,
        ev.futexWaitPrivate,
        ev.cpuTimeMs,
        ev.startTicks,
        ev.voluntaryCtxtSwitches,
        ev.tracerPid,
      ],
      [5, 'S', 1, 'futex_do_wait', 202, true, 50, 187654, 1, 0],
    );
    assert.equal(readKernelEvidence(4242, { procRoot: fake.root }), null);
  } finally {
    fake.cleanup();
  }
});

test('readKernelEvidence of this very process on the real /proc', () => {
  const ev = readKernelEvidence(process.pid, { procRoot: '/proc' })!;
  assert.equal(ev.pid, process.pid);
  assert.match(ev.state, /^[RS]$/);
  assert.ok(ev.threads >= 1);
  assert.ok(ev.cpuTimeMs !== null && ev.cpuTimeMs >= 0);
  assert.ok((ev.startTicks ?? 0) > 0);
});
