/**
 * lock-owner-gone: a thread waits for a lock, the paste printed the mutex
 * (gdb `p *mutex`: `__owner = N`) and N is no thread of the process, whose
 * every thread the paste lists. The gdb reader keeps owners only for such
 * complete listings (threads 1..n, each with its LWP); the matcher names the
 * wait then, whatever the other threads do (a forked child's threads started
 * after the fork cannot release a lock a parent's thread took).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseStack } from '../../src/capture/parse/index.js';
import { loadSignatures, matchOneSignature, matchSignatures } from '../../src/match/index.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/stacks');
const lib = loadSignatures().signatures;
const OWNER_GONE = lib.find((s) => s.id === 'lock-owner-gone')!;

/** A child that started threads after the fork (one in epoll, one in a timed wait), its main thread in a mutex wait. */
function listing(opts: { numbers?: [number, number, number]; owner?: string; waiterLwp?: number } = {}): string {
  const [a, b, c] = opts.numbers ?? [3, 2, 1];
  return [
    '(gdb) thread apply all bt',
    '',
    `Thread ${a} (Thread 0x7f3a2bfff700 (LWP 4242)):`,
    '#0  0x00007f3a3c1e8e2d in epoll_wait () from /lib64/libc.so.6',
    '#1  0x00007f3a3a0a4c11 in pollset_work () from /usr/lib/libgrpc.so',
    '#2  0x00007f3a3c4b6ea5 in start_thread () from /lib64/libpthread.so.0',
    '',
    `Thread ${b} (Thread 0x7f3a2b7fe700 (LWP 4241)):`,
    '#0  0x00007f3a3c4ba9f5 in pthread_cond_timedwait@@GLIBC_2.3.2 () from /lib64/libpthread.so.0',
    '#1  0x00007f3a3a0b5a11 in gpr_cv_wait () from /usr/lib/libgrpc.so',
    '#2  0x00007f3a3c4b6ea5 in start_thread () from /lib64/libpthread.so.0',
    '',
    `Thread ${c} (Thread 0x7f3a3c8d8740 (LWP ${opts.waiterLwp ?? 4240})):`,
    '#0  0x00007f3a3c4bd54d in __lll_lock_wait () from /lib64/libpthread.so.0',
    '#1  0x00007f3a3c4b8e9b in _L_lock_883 () from /lib64/libpthread.so.0',
    '#2  0x00007f3a3c4b8d68 in pthread_mutex_lock () from /lib64/libpthread.so.0',
    '#3  0x00007f3a3a0b5901 in gpr_mu_lock () from /usr/lib/libgrpc.so',
    '#4  0x00007f3a3a0d1111 in grpc_channel_create () from /usr/lib/libgrpc.so',
    '(gdb) frame 2',
    '#2  0x00007f3a3c4b8d68 in pthread_mutex_lock () from /lib64/libpthread.so.0',
    '(gdb) p *(pthread_mutex_t*)$rdi',
    `$1 = {__data = {__lock = 2, __count = 0, __owner = ${opts.owner ?? '4171'}, __nusers = 1, __kind = 0, __spins = 0, __elision = 0, __list = {__prev = 0x0, __next = 0x0}}, __align = 2}`,
  ].join('\n');
}

test('a complete listing whose printed mutex is owned by no thread of it: lock-owner-gone, the owner named; `frame 2` repeats no frame', () => {
  const s = parseStack(listing());
  const waiter = s.threads[2]!;
  assert.deepEqual(waiter.lockOwners, [4171]);
  assert.equal(waiter.frames.length, 5, 'the frame `frame 2` printed again is not a frame of its own');
  const m = matchSignatures(s.threads, lib);
  assert.equal(m.deadlock, true);
  assert.equal(m.matches[0]?.signatureId, 'lock-owner-gone');
  assert.equal(m.matches[0]?.lockOwner, 4171);
  assert.equal(m.matches[0]?.tid, 4240);
  // p/x prints it in hex
  assert.deepEqual(parseStack(listing({ owner: '0x104b' })).threads[2]!.lockOwners, [4171]);
});

test('never named: an owner that is a thread of the dump (another thread holds it), the waiter itself, an unlocked mutex, or an abridged listing', () => {
  const present = parseStack(listing({ owner: '4241' }));
  assert.equal(matchOneSignature(present.threads, OWNER_GONE), null, 'held by a live thread of the dump');
  const self = parseStack(listing({ owner: '4240' }));
  assert.equal(self.threads[2]!.lockOwners, undefined, 'the waiter owns it: a relock, no vanished owner');
  assert.equal(parseStack(listing({ owner: '0' })).threads[2]!.lockOwners, undefined, 'unlocked');
  const abridged = parseStack(listing({ numbers: [30, 12, 1] }));
  assert.equal(
    abridged.threads[2]!.lockOwners,
    undefined,
    'threads 30, 12 and 1 of 30: the owner may be among those left out',
  );
  assert.equal(matchSignatures(abridged.threads, lib).deadlock, false);
  const bare = parseStack(
    listing()
      .split('\n')
      .filter((l) => !l.startsWith('Thread '))
      .join('\n'),
  );
  assert.ok(
    bare.threads.every((t) => t.lockOwners === undefined),
    'bare backtraces: no LWPs to compare',
  );
});

test("real gdb on the suite's hung child (p held_lock, p/x held_lock): its owner is the parent's lock-holder thread, not in the child", () => {
  const text = readFileSync(join(FIXTURES, 'gdb/linux-print-mutex.txt'), 'utf8');
  const owner = Number(/__owner = (\d+)/.exec(text)![1]);
  const s = parseStack(text);
  assert.equal(s.threads.length, 1);
  assert.deepEqual(s.threads[0]!.lockOwners, [owner]);
  assert.notEqual(s.threads[0]!.tid, owner);
  assert.equal(s.threads[0]!.frames.length, 10, '`frame 3` repeats no frame');
  // the specific signature names it first; the owner rule agrees
  assert.equal(matchSignatures(s.threads, lib).matches[0]?.signatureId, 'glibc-atfork-child-lock');
  assert.equal(matchOneSignature(s.threads, OWNER_GONE)?.lockOwner, owner);
});
