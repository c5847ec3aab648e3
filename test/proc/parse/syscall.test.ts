import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFutexWaitPrivate, parseSyscall } from '../../../src/proc/parse/syscall.js';

// Real lines from this kernel (a hung deadlocker child; a sleeper; a JVM thread in read()).
const HUNG_SYSCALL = '202 0x55dc615ee1c0 0x80 0x2 0x0 0x0 0x0 0x7ffc73030818 0x7fd3452c712b\n';

test('parseSyscall: futex line, running, blocked outside a syscall, garbage', () => {
  const s = parseSyscall(HUNG_SYSCALL)!;
  assert.equal(s.nr, 202);
  assert.equal(s.args.length, 6);
  assert.equal(s.args[1], 0x80n);
  assert.equal(s.line, HUNG_SYSCALL.trim());
  assert.deepEqual(parseSyscall('running\n'), { line: 'running', nr: null, running: true, args: [] });
  assert.equal(parseSyscall('-1 0x7ffc 0x7fd3\n')!.nr, -1);
  assert.equal(parseSyscall('')!, null);
  assert.equal(parseSyscall('garbage here')!.nr, null);
  assert.deepEqual(parseSyscall('202 0xzz 0x80')!.args, []);
});

test('isFutexWaitPrivate checks arch, op bits and the timeout argument', () => {
  const line = (op: string, timeout = '0x0', nr = '202') =>
    parseSyscall(`${nr} 0x55dc615ee1c0 ${op} 0x2 ${timeout} 0x0 0x0 0x7ffc 0x7fd3`);
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
