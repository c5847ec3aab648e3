/**
 * The Android reader (src/capture/parse/debuggerd.ts) on inline strings in
 * the shapes libunwindstack prints and public pastes show: a tombstone's
 * thread, debuggerd -b (old and new), an ANR trace's native and Java frames,
 * through logcat's and ART's prefixes; and that gdb's reader and this one
 * never take each other's lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectStackFormat, parseDebuggerd, parseStack } from '../../../src/capture/parse/index.js';
import type { ParsedStack } from '../../../src/capture/types.js';

const names = (p: ParsedStack, thread = 0): (string | null)[] => p.threads[thread]!.frames.map((f) => f.normalized);

test('debuggerd: tombstone, debuggerd -b (old and new) and ANR native frames; function, offset, module, BuildId, APK offset; kernel frames left out', () => {
  const tombstone = [
    'pid: 819, tid: 833, name: magiskd  >>> magiskd <<<',
    'uid: 0',
    '    x0  00000079f863d644  x1  0000000000000080  x2  0000000000000002  x3  0000000000000000',
    'backtrace:',
    '      #00 pc 000000000004b08c  /apex/com.android.runtime/lib64/bionic/libc.so (syscall+28) (BuildId: c78cdff5b820a550771130d6bde95081)',
    '      #01 pc 0000000000042bb8  /apex/com.android.runtime/lib64/bionic/libc.so (scudo::HybridMutex::lockSlow()+120) (BuildId: c78cdff5b820a550771130d6bde95081)',
    '      #02 pc 0000000000012340  /data/app/~~x==/com.foo-y==/base.apk!libfoo.so (offset 0x2c000) (child_main+40)',
    '      #03 pc 0000000000013000  /data/app/~~x==/com.foo-y==/base.apk!libfoo.so (offset 0x2c000)',
    '      #04 pc 00000000005b06fc  /apex/com.android.runtime/lib64/libart.so (???)',
    '      #05 pc 0000000000001000  <anonymous:7a10000000>',
    'stack:',
    '    #00  0000007765a3cac0  00000079f85b1bbc  /apex/com.android.runtime/lib64/bionic/libc.so (syscall+28)',
  ].join('\n');
  assert.equal(detectStackFormat(tombstone), 'debuggerd');
  const t = parseStack(tombstone);
  assert.equal(t.format, 'debuggerd');
  assert.equal(t.pid, 819);
  assert.deepEqual(
    t.threads.map((x) => [x.tid, x.name]),
    [[833, 'magiskd']],
  );
  assert.deepEqual(names(t), ['syscall', 'scudo::HybridMutex::lockSlow', 'child_main', null, null, null]);
  const f = t.threads[0]!.frames;
  assert.deepEqual(
    [f[0]!.offset, f[0]!.address, f[0]!.module],
    [28, '0x000000000004b08c', '/apex/com.android.runtime/lib64/bionic/libc.so'],
  );
  assert.equal(f[2]!.module, '/data/app/~~x==/com.foo-y==/base.apk!libfoo.so');
  assert.equal(f[3]!.module, '/data/app/~~x==/com.foo-y==/base.apk!libfoo.so');
  assert.equal(f[5]!.module, '<anonymous:7a10000000>');

  // An ANR trace's Java thread: ART's header, | sysTid=, kernel frames (left out), native frames, Java frames.
  const anr = [
    '"main" prio=5 tid=1 Native',
    '  | group="main" sCount=1 ucsCount=0 flags=1 obj=0x72f8a0c8 self=0xb400007a5c810be0',
    '  | sysTid=22980 nice=-10 cgrp=top-app sched=0/0 handle=0x7b52a1e4f8',
    '  kernel: futex_wait_queue_me+0xf4/0x170',
    '  native: #00 pc 000000000004e4f4  /apex/com.android.runtime/lib64/bionic/libc.so (syscall+36)',
    '  native: #01 pc 0000000000070d84  /apex/com.android.runtime/lib64/bionic/libc.so (__futex_wait_ex(void volatile*, bool, int, bool, timespec const*)+140)',
    '  native: #02 pc 000000000007be6c  /apex/com.android.runtime/lib64/bionic/libc.so (sem_wait+116)',
    '  at java.lang.Object.wait(Native method)',
    '  - waiting on <0x0c2a1b3d> (a java.lang.Object)',
    '  at com.foo.Worker.run(Worker.java:42)',
  ].join('\n');
  assert.equal(detectStackFormat(anr), 'debuggerd');
  const a = parseDebuggerd(anr);
  assert.deepEqual(
    a.threads.map((x) => [x.tid, x.name]),
    [[22980, 'main']],
  );
  assert.deepEqual(names(a), ['syscall', 'futex_wait_ex', 'sem_wait', 'java.lang.Object.wait', 'com.foo.Worker.run']);
  assert.equal(a.threads[0]!.frames[4]!.source, 'Worker.java:42');

  // debuggerd -b on an old release: two spaces after the number, no BuildId; then through logcat (and ART's prefix).
  const old = [
    '----- pid 2143 at 2016-03-01 10:22:31 -----',
    '"mediaserver" sysTid=2143',
    '  #00  pc 00017a44  /system/lib/libc.so (__futex_syscall4+12)',
    '  #01  pc 0000e7b9  /system/lib/libc.so (__pthread_mutex_lock_with_timeout+84)',
    '  #02  pc 00003a41  /system/bin/mediaserver',
  ].join('\n');
  const o = parseStack(old);
  assert.equal(o.format, 'debuggerd');
  assert.equal(o.pid, 2143);
  assert.deepEqual(names(o), ['futex_syscall4', 'pthread_mutex_lock_with_timeout', null]);
  const logcat = old
    .split('\n')
    .map((l, i) => `09-02 16:19:12.${String(270 + i)} 20722 20722 F DEBUG   : ${l}`)
    .join('\n');
  assert.deepEqual(parseStack(logcat).threads, o.threads);
  const art = old
    .split('\n')
    .map((l) => `04-01 17:01:56.668   839   839 F zygote64: runtime.cc:708] ${l}`)
    .join('\n');
  assert.deepEqual(parseStack(art).threads, o.threads);
});

test('debuggerd: a gdb backtrace is never taken for one, nor one for gdb', () => {
  const gdb =
    '#0  0x00007f8e2a2a09d2 in __lll_lock_wait_private () from /lib/libc.so.6\n#1  0x00007f8e2a29e2b4 in malloc () from /lib/libc.so.6';
  assert.equal(detectStackFormat(gdb), 'gdb');
  assert.equal(parseDebuggerd(gdb).threads.length, 0);
  const android =
    '#00 pc 000000000004e4f4  /system/lib64/libc.so (syscall+36)\n#01 pc 00000000000529a8  /system/lib64/libc.so (pthread_mutex_lock+40)';
  assert.equal(detectStackFormat(android), 'debuggerd');
  assert.deepEqual(names(parseStack(android)), ['syscall', 'pthread_mutex_lock']);
});
