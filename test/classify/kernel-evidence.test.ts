import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  isFutexWaitPrivate,
  isStopPending,
  parseProcStat,
  parseProcStatus,
  parseProcSyscall,
} from '../../src/classify/kernel-evidence-parse.js';
import { readKernelEvidence } from '../../src/classify/kernel-evidence.js';
import { assessProvablyBlocked, isProvablyBlocked } from '../../src/classify/kernel-evidence-rule.js';
import type { KernelEvidence } from '../../src/capture/types.js';

// Real lines from this kernel (a hung deadlocker child; a sleeper; a JVM thread in read()).
const HUNG_SYSCALL = '202 0x55dc615ee1c0 0x80 0x2 0x0 0x0 0x0 0x7ffc73030818 0x7fd3452c712b\n';
const STAT = '9573 (deadlocker-2ac1) S 9567 9567 1 0 -1 4194368 21 0 0 0 3 2 0 0 20 0 1 0 187654 2695168 170 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n';

test('parseProcSyscall: futex line, running, blocked outside a syscall, garbage', () => {
  const s = parseProcSyscall(HUNG_SYSCALL)!;
  assert.equal(s.nr, 202);
  assert.equal(s.args.length, 6);
  assert.equal(s.args[1], 0x80n);
  assert.equal(s.line, HUNG_SYSCALL.trim());
  assert.deepEqual(parseProcSyscall('running\n'), { line: 'running', nr: null, running: true, args: [] });
  assert.equal(parseProcSyscall('-1 0x7ffc 0x7fd3\n')!.nr, -1);
  assert.equal(parseProcSyscall('')!, null);
  assert.equal(parseProcSyscall('garbage here')!.nr, null);
  assert.deepEqual(parseProcSyscall('202 0xzz 0x80')!.args, []);
});

test('isFutexWaitPrivate checks arch, op bits and the timeout argument', () => {
  const line = (op: string, timeout = '0x0', nr = '202') => parseProcSyscall(`${nr} 0x55dc615ee1c0 ${op} 0x2 ${timeout} 0x0 0x0 0x7ffc 0x7fd3`);
  const cases: [string, ReturnType<typeof line>, string, boolean][] = [
    ['FUTEX_WAIT_PRIVATE, no timeout', line('0x80'), 'x64', true],
    ['FUTEX_WAIT_BITSET_PRIVATE|CLOCK_REALTIME, no timeout', line('0x189'), 'x64', true],
    ['shared FUTEX_WAIT (another process may wake it)', line('0x0'), 'x64', false],
    ['private wait with a timeout', line('0x80', '0x7ffc73030800'), 'x64', false],
    ['FUTEX_WAKE_PRIVATE', line('0x81'), 'x64', false],
    ['FUTEX_LOCK_PI_PRIVATE', line('0x86'), 'x64', false],
    ['aarch64 futex is 98', line('0x80', '0x0', '98'), 'arm64', true],
    ['202 is not futex on aarch64', line('0x80'), 'arm64', false],
    ['unknown arch: no proof', line('0x80'), 'ia32', false],
    ['read(2)', line('0x80', '0x0', '0'), 'x64', false],
    ['unreadable', null, 'x64', false],
  ];
  for (const [name, sys, arch, want] of cases) assert.equal(isFutexWaitPrivate(sys, arch), want, name);
});

test('parseProcStatus and isStopPending', () => {
  const st = parseProcStatus(
    'Name:\tdeadlocker\nState:\tS (sleeping)\nTracerPid:\t0\nUid:\t1000\t1000\t1000\t1000\nThreads:\t1\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000040000\nvoluntary_ctxt_switches:\t1\nnonvoluntary_ctxt_switches:\t0\n',
  );
  assert.equal(st.state, 'S');
  assert.equal(st.threads, 1);
  assert.equal(st.tracerPid, 0);
  assert.equal(st.uid, 1000);
  assert.equal(st.voluntaryCtxtSwitches, 1);
  assert.equal(isStopPending(st), true, 'bit 18 = SIGSTOP (19) pending');
  assert.equal(isStopPending(parseProcStatus('SigPnd:\t0000000000000100\n')), false);
  const empty = parseProcStatus('');
  assert.equal(empty.state, null);
  assert.equal(empty.threads, null);
});

test('parseProcStat: comm between the first "(" and the last ")"', () => {
  const s = parseProcStat(STAT)!;
  assert.deepEqual([s.pid, s.comm, s.state, s.ppid, s.cpuTicks, s.startTicks], [9573, 'deadlocker-2ac1', 'S', 9567, 5, 187654]);
  const odd = parseProcStat(STAT.replace('(deadlocker-2ac1)', '(a) b (c))'))!;
  assert.equal(odd.comm, 'a) b (c)');
  assert.equal(odd.startTicks, 187654);
  assert.equal(parseProcStat('9573 (x) S 1'), null, 'not enough fields');
  assert.equal(parseProcStat(''), null);
});

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
    ['syscall line changed (another futex word)', [sample(), later({ syscall: HUNG_SYSCALL.trim().replace('1c0', '1c8') })], false],
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

test('readKernelEvidence reads a proc tree under procRoot; a vanished pid gives null', () => {
  const root = mkdtempSync(join(tmpdir(), 'fw-kev-'));
  mkdirSync(join(root, '9573'));
  writeFileSync(join(root, '9573/stat'), STAT);
  writeFileSync(join(root, '9573/status'), 'State:\tS (sleeping)\nTracerPid:\t0\nThreads:\t1\nvoluntary_ctxt_switches:\t1\nnonvoluntary_ctxt_switches:\t0\n');
  writeFileSync(join(root, '9573/syscall'), HUNG_SYSCALL);
  writeFileSync(join(root, '9573/wchan'), 'futex_do_wait');
  const ev = readKernelEvidence(9573, { procRoot: root, arch: 'x64', now: () => 5 })!;
  assert.deepEqual(
    [ev.at, ev.state, ev.threads, ev.wchan, ev.syscallNr, ev.futexWaitPrivate, ev.cpuTimeMs, ev.startTicks, ev.voluntaryCtxtSwitches],
    [5, 'S', 1, 'futex_do_wait', 202, true, 50, 187654, 1],
  );
  assert.equal(readKernelEvidence(4242, { procRoot: root }), null);
});
