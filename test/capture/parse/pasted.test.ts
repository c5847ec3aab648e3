/**
 * The pasted formats' edge cases, on inline strings: gdb as pasted (indentation,
 * prompts, quote markers, [Switching to thread], frame numbers that jump, bt
 * full locals, wrapped lines, repeated backtraces), lldb (Linux, macOS,
 * inlined, unnamed symbols, the stop report), gdb info line/symbol lists,
 * HotSpot mixed-mode, the lenient fallback and parseStack's choice between them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/native-build.js';
import {
  detectStackFormat,
  normalizeFunctionName,
  parseGdb,
  parseGdbInfo,
  parseHotspot,
  parseLenient,
  parseLldb,
  parseStack,
  STACK_FORMATS,
} from '../../../src/capture/parse/index.js';
import type { ParsedStack } from '../../../src/capture/types.js';

const names = (p: ParsedStack, thread = 0): (string | null)[] => p.threads[thread]!.frames.map((f) => f.normalized);

test('gdb as pasted: indentation, (gdb) prompts, quote markers and [New LWP] noise are dropped; numbers may jump', () => {
  const text = [
    '> (gdb) bt',
    '>     #0  0x00007f8e2a2a09d2 in __lll_lock_wait_private () from /lib/x86_64-linux-gnu/libc.so.6',
    '>     [New LWP 48214]',
    '>     #5  0x00007f8e2a29e2b4 in malloc () from /lib/x86_64-linux-gnu/libc.so.6',
    '>     ...',
    '>     #17 child_setup (job=0x1) at runner.c:212',
  ].join('\n');
  assert.equal(detectStackFormat(text), 'gdb');
  const p = parseStack(text);
  assert.equal(p.format, 'gdb');
  assert.deepEqual(names(p), ['lll_lock_wait_private', 'malloc', 'child_setup']);
  assert.equal(p.threads[0]!.frames[1]!.module, '/lib/x86_64-linux-gnu/libc.so.6');
  assert.equal(p.threads[0]!.frames[2]!.source, 'runner.c:212');
  assert.equal(p.threads.length, 1);
});

test('gdb in one inline-code span: the backtick before #0 and the one after the last frame are dropped', () => {
  const text = [
    '`#0  0x00007fa17f8a912b in __lll_lock_wait_private () from /usr/lib/libc.so.6',
    '#1  0x00007fa17f8a948f in __unregister_atfork () from /usr/lib/libc.so.6',
    '#2  0x00007fa17f9a08de in _dl_fini () from /lib64/ld-linux-x86-64.so.2`',
  ].join('\n');
  const p = parseStack(text);
  assert.equal(p.format, 'gdb');
  assert.deepEqual(names(p), ['lll_lock_wait_private', 'unregister_atfork', 'dl_fini']);
  assert.equal(p.threads[0]!.frames[2]!.module, '/lib64/ld-linux-x86-64.so.2');
});

test('gdb: each frame keeps its argument text, an argument list gdb wrapped onto the next line included', () => {
  const text = [
    '#0  0x00007f8e2a2a09d2 in __lll_lock_wait_private (futex=0x7f8e2a3f6c80 <main_arena>) at lowlevellock.c:35',
    '#1 0x00007f160c6f927a in __run_fork_handlers (who=(unknown: 209394016),',
    'who@entry=atfork_run_prepare) at register-atfork.c:116',
    '#2  0x00007f160c6b7897 in __libc_fork () at ../sysdeps/nptl/fork.c:58',
  ].join('\n');
  const frames = parseGdb(text).threads[0]!.frames;
  assert.deepEqual(
    frames.map((f) => f.args),
    ['futex=0x7f8e2a3f6c80 <main_arena>', 'who=(unknown: 209394016), who@entry=atfork_run_prepare', ''],
  );
  assert.equal(frames[1]!.source, 'register-atfork.c:116');
});

test('gdb: [Switching to thread] names the thread; its location line is replaced by the bt that follows', () => {
  const text = [
    '(gdb) thread 2',
    '[Switching to thread 2 (Thread 0x7f8dfd7fc6c0 (LWP 48213))]',
    '#0  0x00007f8e2a2a09d2 in __lll_lock_wait_private () from /lib/libc.so.6',
    '(gdb) bt',
    '#0  0x00007f8e2a2a09d2 in __lll_lock_wait_private () from /lib/libc.so.6',
    '#1  0x00007f8e2a29e2b4 in malloc () from /lib/libc.so.6',
  ].join('\n');
  const p = parseGdb(text);
  assert.equal(p.threads.length, 1);
  assert.equal(p.threads[0]!.tid, 48213);
  assert.deepEqual(names(p), ['lll_lock_wait_private', 'malloc']);
});

test('gdb: a #0 after frames starts the next backtrace; the same backtrace printed twice is kept once', () => {
  const bt = '#0  0x1 in sem_wait () from /lib/libc.so.6\n#1  0x2 in worker () at w.c:3\n';
  const twice = parseGdb(`Thread 1 (Thread 0x7f (LWP 10)):\n${bt}(gdb) bt\n${bt}`);
  assert.equal(twice.threads.length, 1);
  assert.ok(twice.warnings.some((w) => w.includes('printed twice')));
  const two = parseGdb(`${bt}\n#0  0x3 in epoll_wait () from /lib/libc.so.6\n#1  0x4 in loop ()\n`);
  assert.equal(two.threads.length, 2);
  assert.deepEqual(names(two, 1), ['epoll_wait', 'loop']);
});

test('gdb: bt full locals between frames are skipped; wrapped "at"/"from" lines complete the frame above', () => {
  const text = [
    '#0  futex_wait (private=0, expected=2, futex_word=0x56064b40e1c0 <held_lock>)',
    '    at ../sysdeps/nptl/futex-internal.h:146',
    '        __ret = -512',
    '        err = <optimized out>',
    '#1  0x00007f3ea82e3482 in lll_mutex_lock_optimized (',
    '    mutex=0x56064b40e1c0 <held_lock>) at ./nptl/pthread_mutex_lock.c:48',
    'No locals.',
    '#2  0x00007f3ea82dd12b in closeDescriptors ()',
    '   from /usr/lib/jvm/lib/libjava.so',
    '        nss_database_data = {nsswitch_conf = {size = 0, ino = 0, mtime = {',
    '              tv_sec = 0, tv_nsec = 0}}, initialized = false}',
  ].join('\n');
  const p = parseGdb(text);
  assert.deepEqual(names(p), ['futex_wait', 'lll_mutex_lock_optimized', 'closeDescriptors']);
  assert.equal(p.threads[0]!.frames[0]!.source, '../sysdeps/nptl/futex-internal.h:146');
  assert.equal(p.threads[0]!.frames[1]!.source, './nptl/pthread_mutex_lock.c:48');
  assert.equal(p.threads[0]!.frames[2]!.module, '/usr/lib/jvm/lib/libjava.so');
});

test('gdb: a paste reflowed right after "0xADDR in" keeps the name from the next line (and its wrapped at/from)', () => {
  const text = [
    'Thread 1 (Thread 0x7f2b8c5c7740 (LWP 12345)):',
    '#0  0x00007f2b8b9d54ed in',
    '__lll_lock_wait_private () from /lib64/libc.so.6',
    '#1  0x00007f2b8b95a7f1 in',
    '    a_long_caller_name (ctx=0x55d1c2a3b4c0, flags=0)',
    '    at src/foo.c:123',
    '#2  0x00007f2b8b95a8d9 in main ()',
  ].join('\n');
  const p = parseGdb(text);
  assert.equal(p.threads.length, 1);
  assert.deepEqual(names(p), ['lll_lock_wait_private', 'a_long_caller_name', 'main']);
  assert.equal(p.threads[0]!.frames[0]!.module, '/lib64/libc.so.6');
  assert.equal(p.threads[0]!.frames[0]!.address, '0x00007f2b8b9d54ed');
  assert.equal(p.threads[0]!.frames[1]!.source, 'src/foo.c:123');
  // a frame cut at "in" at the very end keeps its address and no name
  assert.deepEqual(names(parseGdb('#0  0x00007f2b8b9d54ed in')), [null]);
});

test('gdb: frames joined on one line (line breaks lost) are split where the frame numbers go up', () => {
  const text = [
    '#0  0x00007f8a5c3a154d in __lll_lock_wait () from /lib64/libpthread.so.0 #1  0x00007f8a5c39ce9b in _L_lock_883 () from /lib64/libpthread.so.0 #2  pthread_mutex_lock (m=0x6010 <log_lock>) at m.c:80 #3  0x0000000000401234 in child_main ()',
    '#4  0x0000000000401300 in main (argc=1, msg=0x4020 "see #1  x (y)") at main.c:9',
  ].join('\n');
  const p = parseGdb(text);
  assert.equal(p.threads.length, 1);
  assert.deepEqual(names(p), ['lll_lock_wait', 'L_lock_883', 'pthread_mutex_lock', 'child_main', 'main']);
  assert.equal(p.threads[0]!.frames[0]!.module, '/lib64/libpthread.so.0');
  assert.equal(p.threads[0]!.frames[2]!.source, 'm.c:80');
});

test('lldb: macOS frames, frames without a module, [inlined], unnamed symbols, thread names and queues', () => {
  const text = [
    "* thread #1, queue = 'com.apple.main-thread', stop reason = signal SIGSTOP",
    '  * frame #0: 0x00007ff81b2d3b4a libsystem_kernel.dylib`__psynch_mutexwait + 10',
    '    frame #1: 0x0000000100003e5c worker`child [inlined] take_lock(m=0x1) at main.c:12:3',
    '    frame #2: 0x00007f3ea82dd12b libc.so.6`___lldb_unnamed_symbol3491 + 43',
    '    frame #3: 0x00007f2109400cc9',
    '    frame #4: 0x00007f211aa282d2 libjvm.so`JavaCalls::call_helper(JavaValue*, methodHandle const&) + 770',
    "  thread #2, tid = 0x1a2b, name = 'worker'",
    '    frame #0: 0x00007ff81b2d3b4a libsystem_kernel.dylib`__psynch_rw_rdlock + 10',
  ].join('\n');
  assert.equal(detectStackFormat(text), 'lldb');
  const p = parseLldb(text);
  const f = p.threads[0]!.frames;
  assert.deepEqual(names(p), ['psynch_mutexwait', 'take_lock', null, null, 'JavaCalls::call_helper']);
  assert.deepEqual([f[0]!.module, f[0]!.offset, f[0]!.address], ['libsystem_kernel.dylib', 10, '0x00007ff81b2d3b4a']);
  assert.deepEqual([f[1]!.fn, f[1]!.module, f[1]!.source], ['take_lock', 'worker', 'main.c:12']);
  assert.deepEqual([f[2]!.fn, f[2]!.module, f[2]!.offset], [null, 'libc.so.6', 43]);
  assert.deepEqual([f[3]!.fn, f[3]!.module], [null, null]);
  assert.equal(f[4]!.fn, 'JavaCalls::call_helper(JavaValue*, methodHandle const&)', 'a C++ signature stays in fn');
  assert.equal(p.threads[0]!.name, 'com.apple.main-thread');
  assert.deepEqual([p.threads[1]!.tid, p.threads[1]!.name], [0x1a2b, 'worker']);
});

test('lldb: frames joined on one line (line breaks lost) are split where the frame numbers go up', () => {
  const p = parseLldb(
    [
      "* thread #1, queue = 'com.apple.main-thread', stop reason = signal SIGSTOP",
      '  * frame #0: 0x00007ff818b15a12 libsystem_kernel.dylib`__psynch_mutexwait + 10 frame #1: 0x00007ff818b4cefd libsystem_pthread.dylib`_pthread_mutex_firstfit_lock_wait + 56 frame #2: 0x000000010d0dd39f child`run_child + 40',
    ].join('\n'),
  );
  assert.deepEqual(names(p), ['psynch_mutexwait', 'pthread_mutex_firstfit_lock_wait', 'run_child']);
  assert.equal(p.threads[0]!.frames[1]!.module, 'libsystem_pthread.dylib');
});

test('lldb: the stop report before `bt all` is replaced by the full backtrace of the same thread', () => {
  const text = [
    '(lldb) process attach --pid 19514',
    'Process 19514 stopped',
    "* thread #1, name = 'x', stop reason = signal SIGSTOP",
    '    frame #0: 0x1 libc.so.6`__GI___lll_lock_wait at futex-internal.h:146:13',
    'libc.so.6`__GI___lll_lock_wait:',
    '->  0x7fe83f4bf12b <+43>: cmpq   $-0x1000, %rax',
    '(lldb) bt all',
    "* thread #1, name = 'x', stop reason = signal SIGSTOP",
    '  * frame #0: 0x1 libc.so.6`__GI___lll_lock_wait at futex-internal.h:146:13',
    '    frame #1: 0x2 libc.so.6`__libc_fork at fork.c:109:7',
  ].join('\n');
  const p = parseLldb(text);
  assert.equal(p.pid, 19514);
  assert.equal(p.threads.length, 1);
  assert.deepEqual(names(p), ['lll_lock_wait', 'libc_fork']);
  assert.equal(p.threads[0]!.frames[0]!.source, 'futex-internal.h:146', 'line, not column');
});

test('gdb-info: info line (one line and wrapped), is-in, no line info, info symbol, no symbol; one thread in order', () => {
  const text = [
    '(gdb) info line *0x7f8e2a2a09d2',
    'No line number information available for address 0x7f8e2a2a09d2 <__lll_lock_wait_private+50>',
    '0x4a2f1 is in arena_lock_slow (src/mutex.c:88).',
    'Line 118 of "../sysdeps/posix/opendir.c"',
    '   starts at address 0x7f8e2a2d6a36 <__alloc_dir+54>',
    '   and ends at 0x7f8e2a2d6a42 <__alloc_dir+66>.',
    'Line 48 of "./nptl/pthread_mutex_lock.c" starts at address 0x7f3ea82e3482 <___pthread_mutex_lock+274> and ends at 0x7f3ea82e348c <___pthread_mutex_lock+284>.',
    '__lll_lock_wait + 28 in section .text of /lib/x86_64-linux-gnu/libc.so.6',
    'main + 814 in section .text',
    'No symbol matches 0x00007f3ea832b9e8.',
  ].join('\n');
  assert.equal(detectStackFormat(text), 'gdb-info');
  const p = parseGdbInfo(text);
  assert.equal(p.threads.length, 1);
  assert.deepEqual(names(p), [
    'lll_lock_wait_private',
    'arena_lock_slow',
    'alloc_dir',
    'pthread_mutex_lock',
    'lll_lock_wait',
    'main',
    null,
  ]);
  const f = p.threads[0]!.frames;
  assert.deepEqual([f[1]!.address, f[1]!.source], ['0x4a2f1', 'src/mutex.c:88']);
  assert.deepEqual([f[2]!.offset, f[2]!.source], [54, '../sysdeps/posix/opendir.c:118']);
  assert.deepEqual([f[4]!.offset, f[4]!.module], [28, '/lib/x86_64-linux-gnu/libc.so.6']);
  assert.equal(f[6]!.address, '0x00007f3ea832b9e8');
});

test('hotspot: LWP blocks, Java thread names, native and Java frames, unknown frames', () => {
  const text = [
    'Attaching to process ID 19855, please wait...',
    '----------------- 19870 -----------------',
    '"SCM polling for demo-job" #12 prio=5 tid=0x00007f6e6c0ecdc0 nid=0x4d9e runnable [0x00007f6e1eafd000]',
    '   java.lang.Thread.State: RUNNABLE',
    '0x00007f6e7566f2ec\t__libc_read + 0x4c',
    '0x00007f6e7040cf21\t* java.lang.ProcessImpl.forkAndExec(int, byte[]) bci:0 (Interpreted frame)',
    '0x00007f2109400cc9\t<StubRoutines>',
    '0x00007f3b3c91b7a3\t????????',
    '0x00007f3b48a0926f\t____________________',
    '----------------- 19871 -----------------',
    '0x00007f6e755fd12b\t__GI___lll_lock_wait + 0x2b',
  ].join('\n');
  assert.equal(detectStackFormat(text), 'hotspot');
  const p = parseHotspot(text);
  assert.equal(p.pid, 19855);
  assert.deepEqual(
    p.threads.map((t) => [t.tid, t.name]),
    [
      [19870, 'SCM polling for demo-job'],
      [19871, null],
    ],
  );
  assert.deepEqual(names(p), ['libc_read', 'java.lang.ProcessImpl.forkAndExec', '<StubRoutines>', null, null]);
  assert.deepEqual([p.threads[1]!.frames[0]!.offset, p.threads[1]!.frames[0]!.normalized], [0x2b, 'lll_lock_wait']);
});

test('lenient: frames from anything frame-like, one thread per block, and it says so', () => {
  const text = [
    'Thread A:',
    '  libsystem_kernel.dylib`__psynch_mutexwait + 10',
    '  0x7f1c2a9f4d __lll_lock_wait+0x1d',
    '  called from something in arena_get2 (a_ptr=0x1) from /lib/libc.so.6',
    '  2  libc.so.6  0x00007f1c2a9f4d  calloc + 452',
    '',
    'Thread B:',
    '\tat java.lang.ProcessImpl.forkAndExec(Native Method)',
    '  0x00007f1c2a9f4d __libc_fork',
  ].join('\n');
  assert.equal(detectStackFormat(text), 'unknown');
  const p = parseStack(text);
  assert.equal(p.format, 'lenient');
  assert.match(p.warnings[0]!, /lenient/);
  assert.deepEqual(names(p, 0), ['psynch_mutexwait', 'lll_lock_wait', 'arena_get2', 'calloc']);
  assert.deepEqual(names(p, 1), ['java.lang.ProcessImpl.forkAndExec', 'libc_fork']);
  assert.equal(p.threads[0]!.frames[0]!.module, 'libsystem_kernel.dylib');
  assert.equal(p.threads[0]!.frames[2]!.module, '/lib/libc.so.6');
  assert.deepEqual(
    [p.threads[0]!.frames[3]!.module, p.threads[0]!.frames[3]!.address, p.threads[0]!.frames[3]!.offset],
    ['libc.so.6', '0x00007f1c2a9f4d', 452],
  );
});

test('lenient: glibc backtrace_symbols lines (module(func+off) [addr], unnamed +off) and boost::stacktrace frames', () => {
  const symbols = parseStack(
    [
      '/lib/x86_64-linux-gnu/libc.so.6(__lll_lock_wait_private+0x2b) [0x7f1c2a0d8c2b]',
      '/lib/x86_64-linux-gnu/libc.so.6(+0x9a1e3) [0x7f1c2a0d31e3]',
      '/lib/x86_64-linux-gnu/libc.so.6(__libc_malloc+0x1c6)[0x7f1c2a0d6a86]',
      './child(child_main+0x44) [0x55d1e2c1234]',
    ].join('\n'),
  );
  assert.equal(symbols.format, 'lenient');
  assert.deepEqual(names(symbols), ['lll_lock_wait_private', null, 'libc_malloc', 'child_main']);
  assert.equal(symbols.threads[0]!.frames[1]!.module, '/lib/x86_64-linux-gnu/libc.so.6');
  assert.equal(symbols.threads[0]!.frames[1]!.address, '0x7f1c2a0d31e3');
  const boost = parseStack(
    [
      ' 0# __lll_lock_wait in /lib/x86_64-linux-gnu/libpthread.so.0',
      ' 1# 0x00007F1C2A0D31E3 in /lib/x86_64-linux-gnu/libpthread.so.0',
      ' 2# my_lib_call(int) in /usr/lib/libmy.so',
      ' 3# child_main at src/child.cpp:44',
    ].join('\n'),
  );
  assert.equal(boost.format, 'lenient');
  assert.deepEqual(names(boost), ['lll_lock_wait', null, 'my_lib_call', 'child_main']);
  assert.equal(boost.threads[0]!.frames[2]!.module, '/usr/lib/libmy.so');
  assert.equal(boost.threads[0]!.frames[3]!.source, 'src/child.cpp:44');
});

test('lenient: prose with numbers is not a frame; text with no frame-like line stays "not recognised"', () => {
  assert.equal(parseLenient('the size + 16 was wrong\nsee ticket 42').threads.length, 0);
  const p = parseStack('hello\nthis is not a stack\n');
  assert.equal(p.format, 'unknown');
  assert.match(p.warnings.join(' '), /not recognised/);
  assert.ok(
    !/not recognised/.test(parseStack('stuck in __lll_lock_wait+0x1d then calloc+0x40').warnings.join(' ')),
    'plain frames are never "not recognised"',
  );
});

test('parseStack: a format that finds no frames falls back to the detected one, then to lenient', () => {
  const lldbText = '* thread #1\n  * frame #0: 0x1 libc.so.6`__lll_lock_wait + 10\n';
  const asGdb = parseStack(lldbText, 'gdb');
  assert.equal(asGdb.format, 'lldb');
  assert.match(asGdb.warnings[0]!, /no gdb frames: the text is lldb output/);
  const odd = parseStack('stuck: __lll_lock_wait+0x1d <- calloc+0x40', 'eu-stack');
  assert.equal(odd.format, 'lenient');
  assert.match(odd.warnings[0]!, /no eu-stack frames/);
  assert.equal(parseStack('__lll_lock_wait+0x1d', 'lenient').format, 'lenient');
  assert.ok(
    STACK_FORMATS.includes('lenient') &&
      STACK_FORMATS.includes('lldb') &&
      STACK_FORMATS.includes('gdb-info') &&
      STACK_FORMATS.includes('hotspot'),
  );
});

test("normalize: lldb's inlined marker is dropped", () => {
  assert.equal(normalizeFunctionName('child [inlined] take_lock'), 'take_lock');
  assert.equal(normalizeFunctionName('[inlined] __GI___lll_lock_wait'), 'lll_lock_wait');
  assert.equal(normalizeFunctionName('[inlined] '), '[inlined]');
});

test('eu-stack as pasted: an indented or quoted dump reads as the original, source lines still under their frames', () => {
  const original = readFileSync(join(REPO_ROOT, 'test/fixtures/stacks/eu-stack/linux-hung-sm.txt'), 'utf8');
  const expected = parseStack(original).threads;
  assert.ok(
    expected[0]!.frames.some((f) => f.source),
    'the fixture has source lines',
  );
  for (const prefix of ['    ', '> ', '\t']) {
    const p = parseStack(
      original
        .split('\n')
        .map((l) => prefix + l)
        .join('\n'),
    );
    assert.equal(p.format, 'eu-stack', JSON.stringify(prefix));
    assert.deepEqual(p.threads, expected, JSON.stringify(prefix));
    assert.deepEqual(p.warnings, [], JSON.stringify(prefix));
  }
});

test('sanitizer reports: gdb-shaped frames with a bare location or a (module+0xoff)', () => {
  const text = [
    '==1234==ERROR: AddressSanitizer: deadlock?',
    '    #0 0x7f1c2a9f4d in __lll_lock_wait (/lib/x86_64-linux-gnu/libc.so.6+0x8ff4d)',
    '    #1 0x4a2f1 in arena_lock_slow src/mutex.c:88:3',
    '    #2 0x4a3aa in child_after_fork /src/app/fork.c:41',
  ].join('\n');
  const p = parseStack(text);
  assert.equal(p.format, 'gdb');
  assert.deepEqual(names(p), ['lll_lock_wait', 'arena_lock_slow', 'child_after_fork']);
  assert.deepEqual(
    p.threads[0]!.frames.slice(1).map((f) => f.source),
    ['src/mutex.c:88', '/src/app/fork.c:41'],
  );
});

test('hotspot: Solaris SA blocks (t@N) read too', () => {
  const p = parseStack(
    '----------------- t@1 -----------------\n0xfee92ae9\t___lwp_park + 0x15\n0xfee8ca55\tmutex_lock_impl + 0x163\n',
  );
  assert.equal(p.format, 'hotspot');
  assert.equal(p.threads[0]!.tid, 1);
  assert.deepEqual(names(p), ['lwp_park', 'mutex_lock_impl']);
});

test('parseStack is total: non-strings and binary text, with and without a format, give no frames and no exception', () => {
  const binary = `\u0000\u0001#0  0x1 in __lll_lock_wait+0x1d ()\n`.repeat(50);
  for (const input of [undefined, null, 42, {}, ['#0 0x1 in f ()'], binary]) {
    for (const format of [undefined, 'gdb', 'lldb', 'lenient'] as const) {
      const p = parseStack(input as unknown as string, format);
      assert.deepEqual(
        p.threads.filter((t) => t.frames.length > 0),
        [],
        `${typeof input} as ${format}`,
      );
    }
  }
});

test('every real dump and fixture reads the same when pasted indented, tab-indented, quoted, quoted twice or with CRLF', () => {
  const key = (text: string): string => {
    const p = parseStack(text);
    return `${p.format}: ${p.threads.map((t) => t.frames.map((f) => f.normalized).join(' < ')).join(' | ')}`;
  };
  let checked = 0;
  for (const dir of ['gdb', 'lldb', 'gdb-info', 'hotspot', 'eu-stack', 'pstack', 'public']) {
    const root = join(REPO_ROOT, 'test/fixtures/stacks', dir);
    for (const name of readdirSync(root).filter((n) => n.endsWith('.txt'))) {
      const text = readFileSync(join(root, name), 'utf8');
      const expected = key(text);
      for (const [prefix, eol] of [
        ['    ', '\n'],
        ['\t', '\n'],
        ['> ', '\n'],
        ['> > ', '\n'],
        ['', '\r\n'],
        ['  ', '\r\n'],
      ] as const) {
        assert.equal(
          key(
            text
              .split('\n')
              .map((l) => prefix + l)
              .join(eol),
          ),
          expected,
          `${dir}/${name} pasted with ${JSON.stringify(prefix + eol)}`,
        );
        checked++;
      }
    }
  }
  assert.ok(checked > 600, `${checked} pastes`);
});

test('gdb: systemd-coredump (coredumpctl info) frames: address, name or n/a, (module + offset); extra spaces around "in"', () => {
  const p = parseStack(
    [
      '                Stack trace of thread 4242:',
      '                #0  0x00007f1c2a9f4d n/a (libc.so.6 + 0x8e9a2)',
      '                #1  0x00007f1c2a9f5e malloc (libc.so.6 + 0x9a1b2)',
      '                #2  0x000055d0c0ffee child_main (child + 0x1234)',
    ].join('\n'),
  );
  assert.equal(p.format, 'gdb');
  assert.deepEqual(
    p.threads[0]!.frames.map((f) => [f.normalized, f.module, f.offset, f.address]),
    [
      [null, 'libc.so.6', 0x8e9a2, '0x00007f1c2a9f4d'],
      ['malloc', 'libc.so.6', 0x9a1b2, '0x00007f1c2a9f5e'],
      ['child_main', 'child', 0x1234, '0x000055d0c0ffee'],
    ],
  );
  const spaced = parseStack(
    '#0  0x00007f3c1b2c  in __lll_lock_wait_private () from /lib64/libc.so.6\n#1  0x00007f3c1b2d in  malloc () from /lib64/libc.so.6',
  );
  assert.deepEqual(
    spaced.threads[0]!.frames.map((f) => f.normalized),
    ['lll_lock_wait_private', 'malloc'],
  );
});

test('lenient: py-spy dump lines, faulthandler tracebacks and Rust std backtraces', () => {
  const spy = parseStack(
    [
      'Thread 4242 (idle): "MainThread"',
      '    _acquireLock (logging/__init__.py:221)',
      '    getLogger (logging/__init__.py:1311)',
      '    __lll_lock_wait (libpthread-2.31.so)',
    ].join('\n'),
  );
  assert.equal(spy.format, 'lenient');
  assert.deepEqual(
    spy.threads[0]!.frames.map((f) => [f.normalized, f.module, f.source]),
    [
      ['acquireLock', null, 'logging/__init__.py:221'],
      ['getLogger', null, 'logging/__init__.py:1311'],
      ['lll_lock_wait', 'libpthread-2.31.so', undefined],
    ],
  );
  // py-spy's thread line gives the thread its OS id and name; faulthandler's hex pthread id is no tid
  assert.deepEqual([spy.threads[0]!.tid, spy.threads[0]!.name], [4242, 'MainThread']);
  const fault = parseStack(
    [
      'Thread 0x00007f5e2d4f2740 (most recent call first):',
      '  File "/usr/lib/python3.8/logging/__init__.py", line 221 in _acquireLock',
      '  File "/app/w.py", line 12 in child',
    ].join('\n'),
  );
  assert.deepEqual(
    fault.threads[0]!.frames.map((f) => [f.normalized, f.source]),
    [
      ['acquireLock', '/usr/lib/python3.8/logging/__init__.py:221'],
      ['child', '/app/w.py:12'],
    ],
  );
  assert.deepEqual([fault.threads[0]!.tid, fault.threads[0]!.name], [null, null]);
  // a thread line not followed by its frames names nothing: the frames after other text open an unnamed thread
  assert.deepEqual(
    parseStack(['Thread 7 (idle): "a"', 'no frames here', '', '    f (a.py:1)'].join('\n')).threads.map((t) => [
      t.tid,
      t.name,
    ]),
    [[null, null]],
  );
  const rust = parseStack(
    [
      '   0: syscall',
      '   1: std::sys::unix::locks::futex_mutex::Mutex::lock_contended',
      '             at /rustc/abc/library/std/src/sys/unix/locks/futex_mutex.rs:56:17',
      '   2: child::run',
    ].join('\n'),
  );
  assert.deepEqual(
    rust.threads[0]!.frames.map((f) => f.normalized),
    ['syscall', 'std::sys::unix::locks::futex_mutex::Mutex::lock_contended', 'child::run'],
  );
});

test('lenient: Valgrind frames (at/by 0x…: fn (source) / (in module)) under ==PID== prefixes; func+0x1d/0x30 offsets', () => {
  const vg = parseStack(
    [
      '==1234== Thread 1:',
      '==1234==    at 0x4E3F4ED: __lll_lock_wait (lowlevellock.S:135)',
      '==1234==    by 0x4E3AC97: pthread_mutex_lock (in /usr/lib64/libpthread-2.17.so)',
    ].join('\n'),
  );
  assert.equal(vg.format, 'lenient');
  assert.deepEqual(
    vg.threads[0]!.frames.map((f) => [f.normalized, f.module, f.source, f.address]),
    [
      ['lll_lock_wait', null, 'lowlevellock.S:135', '0x4e3f4ed'],
      ['pthread_mutex_lock', '/usr/lib64/libpthread-2.17.so', undefined, '0x4e3ac97'],
    ],
  );
  const sized = parseStack('  __lll_lock_wait_private+0x1d/0x30 [libc-2.17.so]\n  malloc+0x6c\n');
  assert.deepEqual(names(sized), ['lll_lock_wait_private', 'malloc']);
});

test('lenient: gdb frames whose # was lost keep their address-less (inlined) frames; numbered prose is not a frame', () => {
  const p = parseStack(
    [
      '0  futex_wait (private=0, expected=2, futex_word=0x7f10 <main_arena>) at ../sysdeps/nptl/futex-internal.h:146',
      '1  __GI___lll_lock_wait_private (futex=futex@entry=0x7f10 <main_arena>) at ./nptl/lowlevellock.c:34',
      '2  0x00007f1c2a9f5e in __libc_calloc (n=<optimized out>, elem_size=<optimized out>) at ./malloc/malloc.c:3650',
      '3  0x000055d0c0ffee in child_setup () from /usr/lib/libchild.so',
    ].join('\n'),
  );
  assert.equal(p.format, 'lenient');
  assert.deepEqual(names(p), ['futex_wait', 'lll_lock_wait_private', 'libc_calloc', 'child_setup']);
  assert.equal(p.threads[0]!.frames[3]!.module, '/usr/lib/libchild.so');
  assert.equal(parseStack('1  Install the package (see below) and run it again\n').format, 'unknown');
});

test('lenient: Breakpad minidump_stackwalk threads (module!function [source], module + offset) and Firefox MozStackWalk frames', () => {
  const breakpad = [
    'Thread 0 (crashed)',
    ' 0  libc.so.6!__lll_lock_wait_private [lowlevellock.c : 35 + 0x1d]',
    '    rax = 0xfffffffffffffe00   rdx = 0x0000000000000002',
    '    Found by: given as instance pointer in context',
    ' 1  libc.so.6!malloc + 0x1c6',
    ' 2  foo + 0x2b1c0',
    '    Found by: stack scanning',
    '',
    'Thread 1',
    ' 0  libc.so.6!epoll_wait [epoll_wait.c : 30 + 0x12]',
    ' 1  foo!EventLoop::Run() [event_loop.cc : 88 + 0x5]',
  ].join('\n');
  const b = parseStack(breakpad);
  assert.equal(b.format, 'lenient');
  assert.deepEqual(names(b), ['lll_lock_wait_private', 'malloc', null]);
  assert.deepEqual(names(b, 1), ['epoll_wait', 'EventLoop::Run']);
  const [lock, malloc, bare] = b.threads[0]!.frames;
  assert.deepEqual([lock!.module, lock!.source], ['libc.so.6', 'lowlevellock.c:35']);
  assert.deepEqual([malloc!.module, malloc!.offset], ['libc.so.6', 0x1c6]);
  assert.deepEqual([bare!.module, bare!.offset], ['foo', 0x2b1c0]);

  const mozilla = [
    '#01: ???[/lib/x86_64-linux-gnu/libc.so.6 +0x91ba6]',
    '#02: pthread_mutex_lock[/lib/x86_64-linux-gnu/libc.so.6 +0x98462]',
    '#03: mozilla::detail::MutexImpl::lock()[/usr/lib/firefox/libmozglue.so +0x1f3a2]',
  ].join('\n');
  const m = parseStack(mozilla);
  assert.equal(m.format, 'lenient');
  assert.deepEqual(names(m), [null, 'pthread_mutex_lock', 'mozilla::detail::MutexImpl::lock']);
  assert.equal(m.threads[0]!.frames[2]!.module, '/usr/lib/firefox/libmozglue.so');
});

test('gdb and lldb, real sessions: a frame printed again (`frame 3`; `frame select 1`, `up`) is no frame of its own', () => {
  for (const [file, frames, repeated] of [
    ['gdb/linux-print-mutex.txt', 10, /^#3 {2}/gm],
    ['lldb/linux-frame-select.txt', 13, /^\s*frame #[12]: /gm],
  ] as const) {
    const text = readFileSync(join(REPO_ROOT, 'test/fixtures/stacks', file), 'utf8');
    const printed = text.match(repeated)?.length ?? 0;
    assert.ok(printed >= 2, `${file}: the fixture prints a frame again (${printed} lines)`);
    const p = parseStack(text);
    assert.equal(p.threads.length, 1, file);
    assert.equal(p.threads[0]!.frames.length, frames, `${file}: the backtrace's frames, once`);
  }
});

test("lenient: GEF's trace panel ([#N] addr → func(args)); an instruction where GEF had no symbol is an unnamed frame; its threads panel is no frame", () => {
  const text = [
    'gef➤  context',
    '────────────────────────────────────────────────────────────── threads ────',
    '[#0] Id 1, Name: "spawn", stopped 0x7ffff7e4b8d2 in __lll_lock_wait_private (), reason: SIGSTOP',
    '──────────────────────────────────────────────────────────────── trace ────',
    '[#0] 0x7ffff7e4b8d2 → __lll_lock_wait_private(futex=0x7ffff7fa0c80 <main_arena>)',
    '[#1] 0x7ffff7e54f2b → Name: __GI___libc_malloc(bytes=0x40)',
    '[#2] 0x555555555312 → call 0x555555555090 <strdup@plt>',
    '[#3] 0x5555555553a1 → child_setup()',
    '─────────────────────────────────────────────────────────────────────────────',
  ].join('\n');
  const p = parseStack(text);
  assert.equal(p.format, 'lenient');
  assert.equal(p.threads.length, 1);
  assert.deepEqual(names(p), ['lll_lock_wait_private', 'libc_malloc', null, 'child_setup']);
  assert.deepEqual(
    p.threads[0]!.frames.map((f) => f.address),
    ['0x7ffff7e4b8d2', '0x7ffff7e54f2b', '0x555555555312', '0x5555555553a1'],
  );
});

test('lenient: bpftrace ustack maps (func+decimal alone on a line), each stack its own thread', () => {
  const text = [
    '@[',
    '    __lll_lock_wait_private+30',
    '    __libc_malloc+227',
    '    child_main+45',
    ']: 3',
    '@[',
    '    epoll_wait+86',
    '    event_loop+12',
    ']: 120',
  ].join('\n');
  const p = parseStack(text);
  assert.equal(p.format, 'lenient');
  assert.deepEqual(names(p), ['lll_lock_wait_private', 'libc_malloc', 'child_main']);
  assert.deepEqual(names(p, 1), ['epoll_wait', 'event_loop']);
  assert.equal(p.threads[0]!.frames[1]!.offset, 227);
  assert.equal(parseStack('C+11 is a language, not a frame list\nsee x+1').format, 'unknown');
});

test("lenient: VS Code's Copy Call Stack (module!function(params) (file:line)), frames of the program without a module, unknown frames", () => {
  const text = [
    'libc.so.6!__lll_lock_wait_private(int * futex, int private) (/build/glibc-SzIz7B/glibc-2.31/nptl/lowlevellock.c:35)',
    'libc.so.6!__GI___libc_malloc(size_t bytes) (/build/glibc-SzIz7B/glibc-2.31/malloc/malloc.c:3058)',
    'libstdc++.so.6![Unknown/Just-In-Time compiled code] (Unknown Source:0)',
    'libstdc++.so.6!operator new(unsigned long) (Unknown Source:0)',
    'child_setup(struct job * job, int fd) (./src/runner.c:212)',
  ].join('\n');
  const p = parseStack(text);
  assert.equal(p.format, 'lenient');
  assert.deepEqual(names(p), ['lll_lock_wait_private', 'libc_malloc', null, 'operator new', 'child_setup']);
  const [lock, , unknown, opNew, own] = p.threads[0]!.frames;
  assert.deepEqual(
    [lock!.module, lock!.source],
    ['libc.so.6', '/build/glibc-SzIz7B/glibc-2.31/nptl/lowlevellock.c:35'],
  );
  assert.deepEqual([unknown!.module, opNew!.source], ['libstdc++.so.6', undefined]);
  assert.deepEqual([own!.module, own!.source], [null, './src/runner.c:212']);
  // prose with a file reference is no frame: no module and no parameter list
  assert.equal(parseStack('See the notes (docs/fork.md:12)\nand more (x.c:3)').format, 'unknown');
});

test('lenient: FreeBSD procstat -kk is a thread per row (tid and command kept); frames wrapped over lines without the row prefix stay one thread', () => {
  const rows = [
    '  PID    TID COMM                TDNAME              KSTACK',
    '85318 101437 python3.9           -                   mi_switch+0xc1 sleepq_catch_signals+0x2e6 _sleep+0x1be umtxq_sleep+0x132 do_lock_umutex+0x68d __umtx_op_wait_umutex+0x49',
    '85318 101502 python3.9           -                   mi_switch+0xc1 sleepq_catch_signals+0x2e6 _sleep+0x1be umtxq_sleep+0x132 do_cv_wait+0x2a1 __umtx_op_cv_wait+0x4f',
  ].join('\n');
  const s = parseStack(rows);
  assert.equal(s.format, 'lenient');
  assert.equal(s.pid, 85318);
  assert.deepEqual(
    s.threads.map((t) => [t.tid, t.name, t.frames.length, t.frames[4]!.normalized]),
    [
      [101437, 'python3.9', 6, 'do_lock_umutex'],
      [101502, 'python3.9', 6, 'do_cv_wait'],
    ],
  );
  const wrapped =
    'Stuck thread:\n  __lll_lock_wait+0x1d malloc+0x2a1 opendir+0x45\n  closeDescriptors+0x44 childProcess+0x36\n';
  assert.deepEqual(
    parseStack(wrapped).threads.map((t) => t.frames.map((f) => f.normalized)),
    [['lll_lock_wait', 'malloc', 'opendir', 'closeDescriptors', 'childProcess']],
  );
});
