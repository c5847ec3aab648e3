/**
 * gdb py-bt and Python tracebacks through the lenient reader: the function of
 * each `File "…", line N, in f` with file:line as its source, the source text
 * under it skipped, a built-in's call as `type.method`, `Waiting for the GIL`
 * as a take_gil frame; a traceback printed most recent call last is turned
 * round (innermost first, as every reader gives frames).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStack } from '../../../src/capture/parse/index.js';
import { loadSignatures, matchSignatures } from '../../../src/match/index.js';

const PY_BT = [
  'Traceback (most recent call first):',
  '  Waiting for the GIL',
  '  File "/usr/lib/python3.11/threading.py", line 320, in wait',
  '    waiter.acquire()',
  '  File "app.py", line 7, in main',
  '    cv.wait()',
].join('\n');

test('py-bt: frames innermost first, source text skipped, the GIL wait a take_gil frame', () => {
  const p = parseStack(PY_BT);
  assert.equal(p.format, 'lenient');
  assert.deepEqual(
    p.threads.map((t) => t.frames.map((f) => [f.fn, f.source ?? null])),
    [
      [
        ['take_gil', null],
        ['wait', '/usr/lib/python3.11/threading.py:320'],
        ['main', 'app.py:7'],
      ],
    ],
  );
});

test('py-bt: a Python traceback (most recent call last) is turned round', () => {
  const text = [
    'Traceback (most recent call last):',
    '  File "app.py", line 7, in main',
    '    run()',
    '  File "app.py", line 3, in run',
    '    lock.acquire()',
    '<built-in method acquire of _thread.lock object at 0x7f00>',
  ].join('\n');
  assert.deepEqual(
    parseStack(text).threads[0]!.frames.map((f) => f.fn),
    ['_thread.lock.acquire', 'run', 'main'],
  );
});

test('py-bt: a thread waiting for the GIL, or in a Python lock acquire, is a lock wait; a plain Python frame is not', () => {
  const lib = loadSignatures().signatures;
  assert.equal(
    matchSignatures(parseStack(PY_BT).threads, lib).matches[0]?.signatureId,
    'lock-wait-single-threaded-child',
  );
  const running = [
    'Traceback (most recent call first):',
    '  File "app.py", line 3, in compute',
    '    x += 1',
    '  File "app.py", line 7, in main',
    '    compute()',
  ].join('\n');
  assert.deepEqual(matchSignatures(parseStack(running).threads, lib).matches, []);
});

test("py-bt after gdb's stop line continues that thread: the C frame gdb stopped in, then the Python frames", () => {
  const session = [
    '0x00007f2222614827 in futex_abstimed_wait_cancelable (private=0, abstime=0x0,',
    '    expected=0, futex_word=0x15bc6a0) at ../sysdeps/unix/sysv/linux/futex-internal.h:205',
    '205     ../sysdeps/unix/sysv/linux/futex-internal.h: No such file or directory.',
    '(gdb) py-bt',
    PY_BT,
  ].join('\n');
  assert.deepEqual(
    parseStack(session).threads.map((t) => t.frames.map((f) => f.fn)),
    [['futex_abstimed_wait_cancelable', 'take_gil', 'wait', 'main']],
  );
  // a py-bt after a frame that is no gdb stop line (a crash reporter's, say) is a thread of its own, as before
  const afterOther = ['2  libc.so.6  0x00007f1c2a9f4d  calloc + 452', PY_BT].join('\n');
  assert.equal(parseStack(afterOther).threads.length, 2);
});
