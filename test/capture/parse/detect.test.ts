/**
 * Format detection (src/capture/parse/detect.ts) at its edges: gdb is chosen
 * only when one of its frame lines (or an `info threads` row, which ends with
 * a frame) is among the lines looked at; its thread headings alone over
 * another tool's frames are a hand-made paste the lenient reader reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectStackFormat, parseStack } from '../../../src/capture/parse/index.js';

test('gdb-like thread headings over frames gdb never prints: not gdb, the lenient reader reads them (without a gdb attempt first)', () => {
  const text = [
    'Thread 1 (stuck):',
    '0   libjvm.so   0x00007fee455e9df2 __lll_lock_wait_private + 452',
    '1   libjvm.so   0x00007fee455e9e32 malloc + 452',
  ].join('\n');
  assert.equal(detectStackFormat(text), 'unknown');
  const p = parseStack(text);
  assert.equal(p.format, 'lenient');
  assert.ok(!p.warnings.some((w) => w.includes('no gdb frames')), p.warnings.join('; '));
  assert.deepEqual(
    p.threads[0]!.frames.map((f) => f.normalized),
    ['lll_lock_wait_private', 'malloc'],
  );
});

test('gdb is detected by its frames: a frame wrapped after an argument, an info threads row of inferior 2', () => {
  const wrapped = [
    '(gdb) bt',
    '#0  __internal_atexit (listp=0x7fab466f6838 <__exit_funcs>, d=0x7fab43f9bf00, arg=0x7fab4430fd60, ',
    '    func=0x7fab32724da0 <cleanup>) at ./stdlib/cxa_atexit.c:41',
  ].join('\n');
  assert.equal(detectStackFormat(wrapped), 'gdb');
  const rows = [
    '  Id   Target Id                                  Frame',
    '* 2.1  Thread 0x7ffff7d8a740 (LWP 4995) "spawn" futex_wait (private=0) at futex-internal.h:146',
  ].join('\n');
  assert.equal(detectStackFormat(rows), 'gdb');
  // a core file's rows name the LWP alone
  const core = [
    '  Id   Target Id         Frame',
    '* 1    LWP 4995          0x00007fa582ca4f76 in __lll_lock_wait_private () from /lib64/libc.so.6',
    '  2    LWP 4990          0x00007fa582d6b7e2 in read () from /lib64/libc.so.6',
  ].join('\n');
  assert.equal(detectStackFormat(core), 'gdb');
  assert.equal(parseStack(core).threads.length, 2);
  // the headings alone say nothing about the frames that follow them
  assert.equal(detectStackFormat('Thread 1 (Thread 0x7f (LWP 12) "x"):\n'), 'unknown');
});
