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
  assert.deepEqual(p.threads[0]!.frames[0], { fn: '__psynch_mutexwait', normalized: 'psynch_mutexwait', module: 'libsystem_kernel.dylib', offset: 10, address: '0x4000' });
  assert.deepEqual(p.threads[1]!.frames.map((f) => [f.fn, f.module]), [[null, null]]);
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
  const p = parseMacosSample(['    5 Thread_1', '    + 5 start  (in dyld) + 1  [0x10]', '    +   5 broken line', '    +   5 main  (in a) + 2  [0x20]'].join('\n'));
  assert.deepEqual(p.threads[0]!.frames.map((f) => f.fn), ['main', 'start']);
});
