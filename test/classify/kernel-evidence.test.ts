import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assessProvablyBlocked,
  BUSY_CPU_SHARE,
  isProvablyBlocked,
  progressed,
} from '../../src/classify/kernel-evidence-rule.js';
import type { KernelEvidence } from '../../src/proc/kernel-evidence.js';

const HUNG_SYSCALL = '202 0x55dc615ee1c0 0x80 0x2 0x0 0x0 0x0 0x7ffc73030818 0x7fd3452c712b\n';

function sample(over: Partial<KernelEvidence> = {}): KernelEvidence {
  return {
    at: 1_000,
    pid: 9573,
    startTicks: 187654,
    state: 'S',
    threads: 1,
    wchan: 'futex_do_wait',
    syscall: HUNG_SYSCALL.trim(),
    syscallNr: 202,
    futexWaitPrivate: true,
    voluntaryCtxtSwitches: 1,
    nonvoluntaryCtxtSwitches: 0,
    cpuTimeMs: 50,
    tracerPid: 0,
    ...over,
  };
}

test('isProvablyBlocked: one row per case', () => {
  const later = (o: Partial<KernelEvidence> = {}) => sample({ at: 16_000, ...o });
  const rows: [string, KernelEvidence[], boolean][] = [
    ['two identical samples 15 s apart', [sample(), later()], true],
    ['three identical samples', [sample(), later(), later({ at: 31_000 })], true],
    ['one sample is never enough', [sample()], false],
    ['no samples', [], false],
    ['same instant', [sample(), sample()], false],
    ['CPU time grew', [sample(), later({ cpuTimeMs: 60 })], false],
    ['a voluntary switch (it woke up)', [sample(), later({ voluntaryCtxtSwitches: 2 })], false],
    [
      'syscall line changed (another futex word)',
      [sample(), later({ syscall: HUNG_SYSCALL.trim().replace('1c0', '1c8') })],
      false,
    ],
    ['two threads: the other may wake it', [sample({ threads: 2 }), later({ threads: 2 })], false],
    ['not a private futex wait', [sample({ futexWaitPrivate: false }), later({ futexWaitPrivate: false })], false],
    ['running', [sample({ state: 'R' }), later({ state: 'R' })], false],
    ['pid reused between samples', [sample(), later({ startTicks: 999999 })], false],
    ['traced meanwhile', [sample(), later({ tracerPid: 42 })], false],
    ['CPU time unreadable', [sample({ cpuTimeMs: null }), later({ cpuTimeMs: null })], false],
  ];
  for (const [name, samples, want] of rows) assert.equal(isProvablyBlocked(samples), want, name);
  const why = assessProvablyBlocked([sample(), later({ cpuTimeMs: 60 })]);
  assert.match(why.reasons.join(' '), /CPU time changed: 50 → 60/);
  assert.match(assessProvablyBlocked([sample(), later()]).reasons[0]!, /private futex wait/);
});

test('progressed: CPU time of at least BUSY_CPU_SHARE of the gap, or a wait channel that is no lock wait, is the child doing its own work; waking alone is not', () => {
  const at = (ms: number, o: Partial<KernelEvidence> = {}) => sample({ at: 1_000 + ms, ...o });
  const rows: [string, KernelEvidence[], string | null][] = [
    [
      'a busy worker',
      [sample({ cpuTimeMs: 420 }), at(1000, { cpuTimeMs: 970 })],
      'CPU time changed: 420 → 970 ms over 1000 ms',
    ],
    [
      'exactly the share',
      [sample(), at(1000, { cpuTimeMs: 50 + BUSY_CPU_SHARE * 1000 })],
      'CPU time changed: 50 → 100 ms over 1000 ms',
    ],
    ['just under it', [sample(), at(1000, { cpuTimeMs: 90 })], null],
    // CPython's GIL wait (5 ms timed condition waits), gperftools' SpinLockDelay: many wake-ups, one clock tick of CPU
    ['a lock wait that polls', [sample(), at(1000, { cpuTimeMs: 60, voluntaryCtxtSwitches: 201 })], null],
    ['nothing moved', [sample(), at(1000)], null],
    ['one sample', [sample()], null],
    ['another process under the pid', [sample(), at(1000, { startTicks: 1, cpuTimeMs: 900 })], null],
    ['CPU time unreadable', [sample({ cpuTimeMs: null }), at(1000, { cpuTimeMs: 900 })], null],
    // the scan caught it waking (no wait channel, so a suspect); its samples read a timer's wait
    [
      'a child that sleeps in a timer',
      [sample({ state: 'R', wchan: null }), at(1000, { wchan: 'hrtimer_nanosleep', futexWaitPrivate: false })],
      'waits in hrtimer_nanosleep, no lock wait',
    ],
    ['a worker in accept', [sample({ wchan: 'inet_csk_accept' }), at(1000)], 'waits in inet_csk_accept, no lock wait'],
    // a deadlocked child reads a lock wait's channel, or none when it is hidden from us (not root)
    ['a lock wait, its channel hidden', [sample({ wchan: null }), at(1000, { wchan: null })], null],
    ['a lock wait on illumos', [sample({ wchan: 'lwp_park' }), at(1000, { wchan: 'lwp_park' })], null],
    ['a lock wait caught once waking', [sample({ state: 'R', wchan: null }), at(1000)], null],
  ];
  for (const [what, samples, expected] of rows) assert.equal(progressed(samples), expected, what);
  // the provably-blocked rule stays strict: waking at all is not blocked
  assert.equal(isProvablyBlocked([sample(), at(1000, { voluntaryCtxtSwitches: 201 })]), false);
});
