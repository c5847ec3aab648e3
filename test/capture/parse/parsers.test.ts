/** Table tests on inline strings: normalization, detection, and each parser's edge cases. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  detectStackFormat,
  normalizeFunctionName,
  parseEuStack,
  parseGdb,
  parseMdb,
  parsePstack,
  parseStack,
} from '../../../src/capture/parse/index.js';
import { cpuMs } from '../../helpers/cpu-time.js';

test('normalizeFunctionName: table', () => {
  const rows: [string | null, string | null][] = [
    ['__GI___lll_lock_wait', 'lll_lock_wait'],
    ['__lll_lock_wait_private', 'lll_lock_wait_private'],
    ['___pthread_mutex_lock', 'pthread_mutex_lock'],
    ['__pthread_mutex_lock@GLIBC_2.2.5', 'pthread_mutex_lock'],
    ['__libc_start_main@@GLIBC_2.34', 'libc_start_main'],
    ['malloc@plt', 'malloc'],
    ['_int_free.isra.0', 'int_free'],
    ['arena_get2.part.0', 'arena_get2'],
    ['foo.constprop.0.isra.0', 'foo'],
    ['foo.cold', 'foo'],
    ['foo.part.3.cold.1', 'foo'],
    ['foo [clone .constprop.0]', 'foo'],
    ['mutex_lock_impl+0x163', 'mutex_lock_impl'],
    ['mutex_lock_impl + 291', 'mutex_lock_impl'],
    ['_postfork_child_handler', 'postfork_child_handler'],
    ['SpinLock::SlowLock()', 'SpinLock::SlowLock'],
    ['base::internal::SpinLockDelay(int volatile*, int, int)', 'base::internal::SpinLockDelay'],
    ['Foo::operator()', 'Foo::operator()'],
    ['std::map<int, int>::at(int const&) const', 'std::map<int, int>::at'],
    ['(anonymous namespace)::helper()', '(anonymous namespace)::helper'],
    ['pthread_mutex_lock$VARIANT$mp', 'pthread_mutex_lock'],
    ['read$NOCANCEL$UNIX2003', 'read'],
    ['_pthread_cond_wait$UNIX2003', 'pthread_cond_wait'],
    [
      'std::sys::unix::locks::futex_mutex::Mutex::lock_contended::h1234567890abcdef',
      'std::sys::unix::locks::futex_mutex::Mutex::lock_contended',
    ],
    ['foo::h12345', 'foo::h12345'],
    ['runtime.futex.abi0', 'runtime.futex'],
    ['n/a', null],
    ['[unknown]', null],
    ['??', null],
    ['????????', null],
    ['   ', null],
    [null, null],
    ['___', '___'],
    ['main', 'main'],
  ];
  for (const [input, expected] of rows) assert.equal(normalizeFunctionName(input), expected, String(input));
});

test('normalizeFunctionName: a huge name is cut, not scanned whole', () => {
  const huge = `f${'<a'.repeat(200_000)}`;
  const { value: n, ms } = cpuMs(() => normalizeFunctionName(huge));
  assert.ok(n !== null && n.length <= 512);
  assert.ok(ms < 100, `${ms.toFixed(1)} ms of CPU`);
});

test('detectStackFormat: one clear sample per format, unknown for the rest', () => {
  assert.equal(detectStackFormat('PID 1 - process\nTID 1:\n#0  0x00007f00 foo\n'), 'eu-stack');
  assert.equal(detectStackFormat('#0  0x00007f00 in foo () from /lib/libc.so.6\n'), 'gdb');
  assert.equal(detectStackFormat('Thread 2 (LWP 5):\n#0  foo (a=1) at x.c:3\n'), 'gdb');
  assert.equal(detectStackFormat('123: ./a.out\n fee92ae9 lwp_park (0, 0, 0)\n'), 'pstack');
  assert.equal(detectStackFormat('libc.so.1`_lwp_park+0x19(0, 0, 0)\n'), 'mdb');
  assert.equal(detectStackFormat('b38e8448 0xfb00a152(0, 1)\n'), 'mdb');
  assert.equal(detectStackFormat(''), 'unknown');
  assert.equal(detectStackFormat('hello world\nnothing to see\n'), 'unknown');
  assert.equal(detectStackFormat('\u0000\u0001libc.so.1`_lwp_park+0x19(0)\n'), 'unknown');
  assert.equal(detectStackFormat(42 as unknown as string), 'unknown');
});

test('parseStack: unknown, empty and non-string input give no threads and a warning', () => {
  for (const input of [
    '',
    'just some words',
    '\u0000\u0000\u0000',
    12 as unknown as string,
    undefined as unknown as string,
  ]) {
    const r = parseStack(input);
    assert.equal(r.threads.length, 0);
    assert.ok(r.warnings.length > 0, `warning for ${JSON.stringify(input)}`);
  }
});

test('parseStack with an explicit format: used when it fits; plainly-other text falls back to the detected format', () => {
  const gdbText = '#0  0x00007f00 in foo () from /lib/libc.so.6\n';
  assert.equal(parseStack(gdbText, 'gdb').threads[0]?.frames[0]?.fn, 'foo');
  const asPstack = parseStack(gdbText, 'pstack');
  assert.equal(asPstack.format, 'gdb');
  assert.equal(asPstack.threads[0]?.frames[0]?.fn, 'foo');
  assert.match(asPstack.warnings[0]!, /no pstack frames: the text is gdb output/);
  const neither = parseStack('hello\n', 'mdb');
  assert.equal(neither.format, 'mdb');
  assert.equal(neither.threads.length, 0);
});

test('pstack: lwp headers, ????????, Java frames, offsets in hex, several headers', () => {
  const r = parsePstack(
    [
      "core 'core.4411' of 4411:     java -jar jenkins.war",
      '-----------------  lwp# 7 / thread# 7  --------------------',
      ' feed3a25 lwp_park (0, 0, 0)',
      ' feecd7c5 mutex_lock_impl (fe4c2a40, 0) + 1a',
      ' fb00a152 ???????? (0, fb0080f9)',
      ' fb002f69 * java/lang/Object.wait(J)V+12 (line 502)',
      ' fefd213b call_fini',
      'omnios% kill -9 4411',
    ].join('\n'),
  );
  assert.equal(r.pid, 4411);
  assert.equal(r.threads.length, 1);
  const t = r.threads[0]!;
  assert.equal(t.tid, 7);
  assert.deepEqual(
    t.frames.map((f) => [f.fn, f.offset, f.address]),
    [
      ['lwp_park', null, '0xfeed3a25'],
      ['mutex_lock_impl', 0x1a, '0xfeecd7c5'],
      [null, null, '0xfb00a152'],
      ['java/lang/Object.wait(J)V', 12, '0xfb002f69'],
      ['call_fini', null, '0xfefd213b'],
    ],
  );
  assert.ok(
    r.warnings.some((w) => w.startsWith('line 8:')),
    'the shell prompt line is reported',
  );
});

test('mdb: $C, ::stack, ::findstack -v, truncated argument tails', () => {
  const r = parseMdb(
    [
      '> $C',
      'stack pointer for thread 1: 8047a08',
      '[ 08047a08 libc.so.1`_lwp_park+0x19() ]',
      '  08047a38 libc.so.1`cond_wait_queue+0x60(8060a20, 8060a08, 0)',
      'b38e8480, b38e847c, 7, b38e8470)',
      'stack pointer for thread 2 (TS_SLEEP): 8047b00',
      'libc.so.1`mutex_lock_impl+0x163(b5eca148, 0)',
      'main+0x1e(1, 8047a9c)',
      'b38e8448 0xfb00a152(0, fb0080f9)',
    ].join('\n'),
  );
  assert.equal(r.threads.length, 2);
  assert.deepEqual(
    r.threads.map((t) => t.tid),
    [1, 2],
  );
  assert.deepEqual(
    r.threads[0]!.frames.map((f) => [f.fn, f.module, f.offset, f.address]),
    [
      ['_lwp_park', 'libc.so.1', 0x19, '0x08047a08'],
      ['cond_wait_queue', 'libc.so.1', 0x60, '0x08047a38'],
    ],
  );
  assert.deepEqual(
    r.threads[1]!.frames.map((f) => [f.fn, f.module, f.address]),
    [
      ['mutex_lock_impl', 'libc.so.1', null],
      ['main', null, null],
      [null, null, '0xfb00a152'],
    ],
  );
  assert.ok(r.warnings.some((w) => w.includes('line 5') && w.includes('truncated')));
});

test('eu-stack: names with and without modules, activation, no name, tool errors', () => {
  const r = parseEuStack(
    [
      'PID 12 - process',
      'TID 12:',
      '#0  0x00007fee4559c12b __GI___lll_lock_wait - /usr/lib/x86_64-linux-gnu/libc.so.6',
      '    ../sysdeps/nptl/futex-internal.h:146:13',
      '#1  0x00007fee455a2482 - 1 ___pthread_mutex_lock - /usr/lib/x86_64-linux-gnu/libc.so.6',
      '#2  0x00007fee455ea9e8 - /usr/lib/x86_64-linux-gnu/libc.so.6',
      '#3  0x000056149a51d2c9',
      '#4  0x000056149a51d2e2 std::vector<int, std::allocator<int> >::push_back(int const&) - [vdso: 12]',
      '    [93ac61ec5a8eb1396f9fbd350e3169a558528a40]@0x7fee45516000+0x8612b',
      'TID 13:',
      '#0  0x00007fee455e9df2 pause',
      'eu-stack: dwfl_thread_getframes tid 13 at 0x7fee455e9df2 in /usr/lib/x86_64-linux-gnu/libc.so.6: No DWARF information found',
    ].join('\n'),
  );
  assert.equal(r.pid, 12);
  assert.deepEqual(
    r.threads.map((t) => [t.tid, t.frames.length]),
    [
      [12, 5],
      [13, 1],
    ],
  );
  const f = r.threads[0]!.frames;
  assert.deepEqual(
    [f[0]!.normalized, f[0]!.module, f[0]!.source],
    ['lll_lock_wait', '/usr/lib/x86_64-linux-gnu/libc.so.6', '../sysdeps/nptl/futex-internal.h:146'],
  );
  assert.equal(f[1]!.normalized, 'pthread_mutex_lock');
  assert.deepEqual([f[2]!.fn, f[2]!.module], [null, '/usr/lib/x86_64-linux-gnu/libc.so.6']);
  assert.deepEqual([f[3]!.fn, f[3]!.module, f[3]!.address], [null, null, '0x000056149a51d2c9']);
  assert.deepEqual(
    [f[4]!.normalized, f[4]!.module],
    ['std::vector<int, std::allocator<int> >::push_back', '[vdso: 12]'],
  );
  assert.ok(r.warnings.some((w) => w.includes('No DWARF')));
});

test('gdb: in / no in, from LIB, at FILE:LINE, ?? (), inlined, signal handler, C++ args, bt without thread header', () => {
  const r = parseGdb(
    [
      '[New LWP 7323]',
      'futex_wait (private=0) at ../sysdeps/nptl/futex-internal.h:146',
      'Thread 2 (Thread 0x7fee455126c0 (LWP 7323) "SCM polling f"):',
      '#0  futex_wait (private=0, expected=2) at ../sysdeps/nptl/futex-internal.h:146',
      '#1  0x00007fee455a2482 in pthread_mutex_lock () from /lib/x86_64-linux-gnu/libc.so.6',
      '#2  0x000056149a51d2c9 in ?? ()',
      '#3  <signal handler called>',
      '#4  0x00007fee4561f8ec in std::thread::_State_impl<std::thread::_Invoker<std::tuple<void (*)()> > >::_M_run (this=0x1) at /usr/include/c++/12/bits/std_thread.h:211',
      '#5  0x00007fee4561f8ec in f (s=0x1 "a) at b.c:3") at x (y).c:42',
      'Backtrace stopped: previous frame inner to this frame (corrupt stack?)',
      '',
      'Thread 1 (process 7322):',
      '#0  main () at m.c:1',
      '[Inferior 1 (process 7322) detached]',
    ].join('\n'),
  );
  assert.equal(r.pid, 7322);
  assert.deepEqual(
    r.threads.map((t) => [t.tid, t.name]),
    [
      [7323, 'SCM polling f'],
      [7322, null],
    ],
  );
  const f = r.threads[0]!.frames;
  assert.deepEqual(
    f.map((x) => [x.normalized, x.module, x.address, x.source ?? null]),
    [
      ['futex_wait', null, null, '../sysdeps/nptl/futex-internal.h:146'],
      ['pthread_mutex_lock', '/lib/x86_64-linux-gnu/libc.so.6', '0x00007fee455a2482', null],
      [null, null, '0x000056149a51d2c9', null],
      ['<signal handler called>', null, null, null],
      [
        'std::thread::_State_impl<std::thread::_Invoker<std::tuple<void (*)()> > >::_M_run',
        null,
        '0x00007fee4561f8ec',
        '/usr/include/c++/12/bits/std_thread.h:211',
      ],
      ['f', null, '0x00007fee4561f8ec', 'x (y).c:42'],
    ],
  );
  assert.ok(r.warnings.some((w) => w.includes('Backtrace stopped')));
  const bare = parseGdb('#0  0x1 in a ()\n#1  0x2 in b ()\n');
  assert.deepEqual(
    bare.threads.map((t) => [t.tid, t.frames.length]),
    [[null, 2]],
  );
});
