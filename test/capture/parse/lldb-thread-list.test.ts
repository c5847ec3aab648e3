/**
 * lldb `thread list` and older lldb's stop report print the top frame on the
 * thread line (`* thread #1: tid = 0x1c03, 0x7fff… lib\`f + 10, queue = …`):
 * that frame is the thread's, and a backtrace printed later replaces it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLldb, parseStack } from '../../../src/capture/parse/index.js';

const LIST = [
  '(lldb) thread list',
  'Process 41873 stopped',
  "* thread #1: tid = 0x1c03, 0x00007fff8a0c4a82 libsystem_kernel.dylib`__psynch_mutexwait + 10, queue = 'com.apple.main-thread', stop reason = signal SIGSTOP",
  "  thread #2: tid = 0x1c04, 0x00007fff8a0c5e6a libsystem_kernel.dylib`__workq_kernreturn + 10, name = 'w, x'",
].join('\n');

test('lldb thread list: the top frame on each thread line is read', () => {
  const p = parseStack(LIST);
  assert.equal(p.format, 'lldb');
  assert.deepEqual(
    p.threads.map((t) => [t.tid, t.name, t.frames.map((f) => [f.fn, f.module, f.offset, f.address])]),
    [
      [0x1c03, 'com.apple.main-thread', [['__psynch_mutexwait', 'libsystem_kernel.dylib', 10, '0x00007fff8a0c4a82']]],
      [0x1c04, 'w, x', [['__workq_kernreturn', 'libsystem_kernel.dylib', 10, '0x00007fff8a0c5e6a']]],
    ],
  );
});

test('lldb thread list: a backtrace after it replaces the header frame (not doubled)', () => {
  const text = `${LIST}\n(lldb) bt\n* thread #1: tid = 0x1c03, 0x00007fff8a0c4a82 libsystem_kernel.dylib\`__psynch_mutexwait + 10\n  * frame #0: 0x00007fff8a0c4a82 libsystem_kernel.dylib\`__psynch_mutexwait + 10\n    frame #1: 0x00007fff8a1b2d4c libsystem_pthread.dylib\`_pthread_mutex_lock_wait + 83\n`;
  const t = parseLldb(text).threads[0]!;
  assert.deepEqual(
    t.frames.map((f) => f.fn),
    ['__psynch_mutexwait', '_pthread_mutex_lock_wait'],
  );
});

test('lldb: a new-style header with no frame on it gives no frame', () => {
  assert.deepEqual(
    parseLldb("* thread #1, queue = 'com.apple.main-thread', stop reason = signal SIGSTOP").threads.flatMap(
      (t) => t.frames,
    ),
    [],
  );
});
