/**
 * The macOS `sample` reader: a thread's stack is the heaviest path of its
 * call tree (the first child at every level), innermost first; lighter
 * branches, the summary sections and pasted indentation change nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectStackFormat, parseMacosSample, parseStack } from '../../../src/capture/parse/index.js';

const TREE = [
  'Call graph:',
  '    10 Thread_7: worker',
  '    + 10 thread_start  (in libsystem_pthread.dylib) + 8  [0x1000]',
  '    +   7 heavy  (in app) + 4  [0x2000]',
  '    +   ! 7 pthread_mutex_lock  (in libsystem_pthread.dylib) + 100  [0x3000]',
  '    +   !   7 __psynch_mutexwait  (in libsystem_kernel.dylib) + 10  [0x4000]',
  '    +   3 light  (in app) + 4  [0x5000]',
  '    +     3 deeper_but_lighter  (in app) + 4  [0x6000]',
  '    +       3 deepest_lighter  (in app) + 4  [0x7000]',
  '    +         3 very_deep  (in app) + 4  [0x8000]',
  '    10 Thread_8',
  '      10 ???  (in <unknown binary>)  [0x9000]',
  '',
  'Sort by top of stack, same collapsed (when >= 5):',
  '        __psynch_mutexwait  (in libsystem_kernel.dylib)        7',
].join('\n');

test('macos-sample: the heaviest path, innermost first; a lighter branch is not part of it', () => {
  const p = parseMacosSample(TREE);
  assert.equal(p.threads.length, 2);
  assert.deepEqual(
    p.threads[0]!.frames.map((f) => f.fn),
    ['__psynch_mutexwait', 'pthread_mutex_lock', 'heavy', 'thread_start'],
  );
  assert.equal(p.threads[0]!.tid, 7);
  assert.equal(p.threads[0]!.name, 'worker');
  assert.deepEqual(p.threads[0]!.frames[0], {
    fn: '__psynch_mutexwait',
    normalized: 'psynch_mutexwait',
    module: 'libsystem_kernel.dylib',
    offset: 10,
    address: '0x4000',
    samples: 7,
  });
  assert.deepEqual(
    p.threads[1]!.frames.map((f) => [f.fn, f.module]),
    [[null, null]],
  );
});

test("macos-sample: each frame keeps its sample count, each thread its line's (or its path's first frame's without a line); spindump's `N samples`", () => {
  const p = parseMacosSample(TREE);
  assert.deepEqual(
    p.threads.map((t) => [t.samples, t.frames.map((f) => f.samples)]),
    [
      [10, [7, 7, 7, 10]],
      [10, [10]],
    ],
    'the heaviest path went through 7 of the 10 samples: the thread did not stay in it',
  );
  const bare = parseMacosSample(TREE.split('\n').slice(2, 6).join('\n'));
  assert.deepEqual([bare.threads[0]!.samples, bare.threads[0]!.frames.at(-1)!.samples], [10, 10]);
  const spindump = [
    'Process:          worker [4242]',
    '  Thread 0x10a    1001 samples (1-1001)    priority 31 (base 31)',
    '  1001  start + 1 (libdyld.dylib + 5000) [0x7fff1]',
    '    1001  main + 20 (worker + 100) [0x1000]',
    '      1001  __psynch_mutexwait + 10 (libsystem_kernel.dylib + 200) [0x7fff2]',
  ].join('\n');
  const t = parseStack(spindump).threads[0]!;
  assert.deepEqual([t.samples, t.frames.map((f) => f.samples)], [1001, [1001, 1001, 1001]]);
});

test('macos-sample: detected, and read the same pasted indented or quoted', () => {
  assert.equal(detectStackFormat(TREE), 'macos-sample');
  const plain = parseStack(TREE);
  for (const pasted of [TREE.replace(/^/gm, '    '), TREE.replace(/^/gm, '> ')]) {
    assert.equal(detectStackFormat(pasted), 'macos-sample');
    assert.deepEqual(parseStack(pasted).threads, plain.threads);
  }
});

test('macos-sample: a frame line that is not one (no module, no address) is skipped, the path goes on', () => {
  const p = parseMacosSample(
    [
      '    5 Thread_1',
      '    + 5 start  (in dyld) + 1  [0x10]',
      '    +   5 broken line',
      '    +   5 main  (in a) + 2  [0x20]',
    ].join('\n'),
  );
  assert.deepEqual(
    p.threads[0]!.frames.map((f) => f.fn),
    ['main', 'start'],
  );
});

test("macos-sample: spindump order (fn + N (in lib) [0x…]) under Thread 0x… / User stack; the kernel stack is not the thread's", () => {
  const text = [
    'Call graph:',
    '  Thread 0x10a  ',
    '  User stack:',
    '    23 start + 1 (in libdyld.dylib) [0x7fff8760fb75]',
    '      23 malloc + 42 (in libsystem_malloc.dylib) [0x106497545]',
    '        23 _OSSpinLockLockSlow + 63 (in libsystem_platform.dylib) [0x106497231]',
    '          23 syscall_thread_switch + 10 (in libsystem_kernel.dylib) [0x7fff8661abca]',
    '  Kernel stack:',
    '    23 hndl_unix_scall64 + 19 (in mach_kernel) [0xffffff80002d8363]',
  ].join('\n');
  const p = parseStack(text);
  assert.equal(p.format, 'macos-sample');
  assert.equal(detectStackFormat(text.replace('Call graph:\n', '')), 'macos-sample');
  assert.equal(p.threads.length, 1);
  assert.equal(p.threads[0]!.tid, 0x10a);
  assert.deepEqual(
    p.threads[0]!.frames.map((f) => [f.normalized, f.module, f.offset]),
    [
      ['syscall_thread_switch', 'libsystem_kernel.dylib', 10],
      ['OSSpinLockLockSlow', 'libsystem_platform.dylib', 63],
      ['malloc', 'libsystem_malloc.dylib', 42],
      ['start', 'libdyld.dylib', 1],
    ],
  );
});

test('macos-sample: one space before (in, a line cut before its address or inside (in …, a graph without its thread line', () => {
  const cut = [
    '    + 2774 start (in libdyld.dylib) + 1 [0x7fff6a1b3cc9]',
    '    +   2774 main  (in child) + 52  [0x10a8f1e34]',
    '    +     2774 _pthread_mutex_firstfit_lock_slow  (in libsystem_pthread.dylib) + 100',
    '    +       2774 __psynch_mutexwait  (in libsystem_ker',
  ].join('\n');
  const p = parseMacosSample(cut);
  assert.equal(p.threads.length, 1);
  assert.deepEqual(
    p.threads[0]!.frames.map((f) => f.normalized),
    ['psynch_mutexwait', 'pthread_mutex_firstfit_lock_slow', 'main', 'start'],
  );
  assert.equal(p.threads[0]!.frames[1]!.offset, 100);
  assert.equal(p.threads[0]!.frames[1]!.address, null);
});

test('macos-sample: indentation collapsed by a renderer (one column): the frames in order while the counts do not grow', () => {
  const flat = [
    'Call graph:',
    ' 2774 Thread_123 DispatchQueue_1: com.apple.main-thread (serial)',
    ' + 2774 start (in libdyld.dylib) + 1 [0x7fff6a1b3cc9]',
    ' + 2774 main (in child) + 52 [0x10a8f1e34]',
    ' + 2774 pthread_mutex_lock (in libsystem_pthread.dylib) + 100 [0x7fff6a3a4b1d]',
    ' + 2774 __psynch_mutexwait (in libsystem_kernel.dylib) + 10 [0x7fff6a2e6e0a]',
    ' + 3000 not_on_the_path (in child) + 1 [0x1]',
  ].join('\n');
  assert.deepEqual(
    parseStack(flat).threads[0]!.frames.map((f) => f.normalized),
    ['psynch_mutexwait', 'pthread_mutex_lock', 'main', 'start'],
  );
});

test('macos-sample: old samples print bare names (no module) under the thread line', () => {
  const old = [
    'Call graph:',
    '    1933 Thread_0f07',
    '      1933 start',
    '        1933 main',
    '          1933 __spin_lock',
    '            1933 syscall_thread_switch',
  ].join('\n');
  assert.deepEqual(
    parseStack(old).threads[0]!.frames.map((f) => f.normalized),
    ['syscall_thread_switch', 'spin_lock', 'main', 'start'],
  );
});

test('macos-sample: spindump (10.13+): (SOURCE in MODULE + N) and (MODULE + N) locations, kernel (*) frames not read, the heaviest stack in one column', () => {
  const text = [
    'Process:          child [4242]',
    '  Thread 0x2c4a6c    770 samples (1-770)    priority 31 (base 31)',
    '  770  start + 2840 (dyld + 24916) [0x19ab5e754]',
    '    770  std::__1::recursive_mutex::lock() + 16 (__threading_support:283 in libc++.1.dylib + 78548) [0x19ae1e2d4]',
    '      770  __psynch_mutexwait + 8 (libsystem_kernel.dylib + 15004) [0x19aeb5a9c]',
    '       *770  psynch_mtxcontinue + 0 (kern_synch.c:785 in com.apple.kec.pthread + 8060) [0xfffffe000b861b9c] (blocked by turnstile)',
  ].join('\n');
  assert.equal(detectStackFormat(text), 'macos-sample');
  const p = parseStack(text);
  assert.equal(p.pid, 4242);
  assert.deepEqual(
    p.threads[0]!.frames.map((f) => [f.normalized, f.module, f.offset, f.source]),
    [
      ['psynch_mutexwait', 'libsystem_kernel.dylib', 8, undefined],
      ['std::__1::recursive_mutex::lock', 'libc++.1.dylib', 16, '__threading_support:283'],
      ['start', 'dyld', 2840, undefined],
    ],
  );
  const heaviest = [
    'Heaviest stack for the main thread of the target process:',
    '  770  start + 2840 (dyld + 24916) [0x19ab5e754]',
    '  770  malloc + 40 (libsystem_malloc.dylib + 1111) [0x1]',
    '  770  __ulock_wait + 8 (libsystem_kernel.dylib + 3333) [0x3]',
  ].join('\n');
  assert.deepEqual(
    parseStack(heaviest).threads[0]!.frames.map((f) => f.normalized),
    ['ulock_wait', 'malloc', 'start'],
  );
});
