/**
 * Kernel stacks pasted alone (`cat /proc/PID/stack`, sysrq-t, hung-task
 * reports) and kernel frames above user-space ones (perf, bpftrace): the
 * kernel's futex path is a wait primitive (the user-space frames outward
 * decide), and a kernel-only futex wait of a forked child's only thread is
 * futex-wait-forked-child (what the daemon's kernel rule sees in /proc).
 * The hung child's and the sleeper's stacks are real captures
 * (capture-pasted.ts proc-stack).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/native-build.js';
import { parseStack } from '../../src/capture/parse/index.js';
import type { Thread } from '../../src/capture/types.js';
import { loadSignatures, matchSignatures } from '../../src/match/index.js';

const LENIENT = join(REPO_ROOT, 'test/fixtures/stacks/lenient');
const library = loadSignatures().signatures;
const threadsOf = (file: string): Thread[] => parseStack(readFileSync(join(LENIENT, file), 'utf8')).threads;
const ids = (threads: Thread[], forkedChild: boolean): string[] =>
  matchSignatures(threads, library, { forkedChild }).matches.map((m) => m.signatureId);

/** A thread of these names, innermost first (the kernel's `name+off/size` as the lenient reader keeps them). */
function thread(...names: string[]): Thread {
  return parseStack(names.map((n) => `[<0>] ${n}+0x10/0x90`).join('\n')).threads[0]!;
}
const KERNEL_FUTEX = [
  'futex_wait_queue_me',
  'futex_wait',
  'do_futex',
  '__x64_sys_futex',
  'do_syscall_64',
  'entry_SYSCALL_64_after_hwframe',
];

test('real /proc/PID/stack of the hung child: futex-wait-forked-child with --forked-child, an info note (not a verdict); nothing as pasted', () => {
  const threads = threadsOf('linux-proc-stack-of-hung-child.txt');
  assert.equal(threads.length, 1);
  const m = matchSignatures(threads, library, { forkedChild: true });
  assert.deepEqual(
    m.matches.map((x) => [x.signatureId, x.severity]),
    [['futex-wait-forked-child', 'info']],
  );
  assert.equal(m.deadlock, false, 'a kernel stack cannot tell a lock from a condition wait');
  assert.deepEqual(m.matches[0]!.frames, ['futex_do_wait', 'do_futex']);
  assert.deepEqual(ids(threads, false), []);
});

test('real /proc/PID/stack of the sleeping decoy (hrtimer_nanosleep): nothing, even with --forked-child', () => {
  assert.deepEqual(ids(threadsOf('linux-sleeper-proc-stack.txt'), true), []);
});

test('older kernels name the wait futex_wait_queue_me (before 5.16) and the entry SyS_futex / entry_SYSCALL_64_fastpath', () => {
  assert.deepEqual(ids([thread(...KERNEL_FUTEX)], true), ['futex-wait-forked-child']);
  assert.deepEqual(
    ids(
      [thread('schedule', 'futex_wait_queue_me', 'futex_wait', 'do_futex', 'SyS_futex', 'entry_SYSCALL_64_fastpath')],
      true,
    ),
    ['futex-wait-forked-child'],
  );
  assert.deepEqual(
    ids(
      [
        thread(
          'futex_wait_queue',
          'futex_wait',
          'do_futex',
          '__arm64_sys_futex',
          'invoke_syscall',
          'el0_svc_common',
          'do_el0_svc',
          'el0_svc',
        ),
      ],
      true,
    ),
    ['futex-wait-forked-child'],
  );
});

test('two threads in futex waits (cat /proc/PID/task/*/stack): not named, either could be the holder', () => {
  assert.deepEqual(ids([thread(...KERNEL_FUTEX), thread(...KERNEL_FUTEX)], true), []);
});

test('kernel frames above user-space ones: the user-space wait decides (a condition wait is not named, a lock wait is)', () => {
  const over = (...user: string[]): Thread => thread(...KERNEL_FUTEX, ...user);
  assert.deepEqual(ids([over('__pthread_cond_wait', 'worker_loop', 'start_thread', 'clone3')], true), []);
  assert.deepEqual(ids([over('__lll_lock_wait', '__pthread_mutex_lock', 'child_work', 'main')], true), [
    'lock-wait-forked-child',
  ]);
  assert.deepEqual(ids([over('__lll_lock_wait', '__pthread_mutex_lock', 'child_work', 'main')], false), [
    'lock-wait-single-threaded-child',
  ]);
});

test('other kernel waits of a forked child are not futex waits: epoll, read, wait4', () => {
  for (const top of [
    ['ep_poll', 'do_epoll_wait', '__x64_sys_epoll_wait', 'do_syscall_64'],
    ['pipe_read', 'vfs_read', 'ksys_read', '__x64_sys_read', 'do_syscall_64'],
    ['do_wait', 'kernel_wait4', '__do_sys_wait4', 'do_syscall_64'],
  ])
    assert.deepEqual(ids([thread(...top)], true), [], top.join(' '));
});
