/**
 * Pastes of several processes (src/capture/parse/common.ts processStarts,
 * processEnds, processLabel): gdb -batch run once per PID, `parent:` and
 * `child:` blocks, two eu-stack, pstack, lldb, py-spy or sample outputs one
 * after the other. Each thread says which process of the paste it belongs
 * to; a dump of one process has no such field (the golden files hold that).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseStack } from '../../../src/capture/parse/index.js';
import type { ParsedStack } from '../../../src/capture/types.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/stacks');

/** [process, tid, innermost name] per thread. */
function shape(stack: ParsedStack): [number | undefined, number | null, string | null][] {
  return stack.threads.map((t) => [t.process, t.tid, t.frames[0]?.normalized ?? null]);
}

const CHILD_GDB = [
  '#0  futex_wait (private=0, expected=2, futex_word=0x7fa582e1cc80 <main_arena>) at ../sysdeps/nptl/futex-internal.h:146',
  '#1  __GI___lll_lock_wait_private (futex=futex@entry=0x7fa582e1cc80 <main_arena>) at ./nptl/lowlevellock.c:34',
  '#2  0x00007fa582ca1b2c in __GI___libc_malloc (bytes=64) at ./malloc/malloc.c:3287',
  '#3  0x000055e0a1b2c100 in build_env (n=12) at spawn.c:52',
];
const PARENT_GDB = [
  '#0  0x00007fa582d6b7e2 in __GI___libc_read (fd=7, buf=0x7ffd, nbytes=8) at ../sysdeps/unix/sysv/linux/read.c:26',
  '#1  0x000055e0a1b2c3d4 in spawn_helper (argv=0x7ffd) at spawn.c:88',
];

test('gdb -batch per PID: each Attaching … detached part is a process, its threads and LWPs its own', () => {
  const text = [
    'Attaching to process 4981',
    '[Thread debugging using libthread_db enabled]',
    'Thread 2 (Thread 0x7fa57f5ff700 (LWP 4990)):',
    '#0  0x00007fa582ca4f76 in __GI___clock_nanosleep (clock_id=0) at clock_nanosleep.c:48',
    '#1  0x000055e0a1b2c700 in ticker (arg=0x0) at tick.c:12',
    '',
    'Thread 1 (Thread 0x7fa584abe740 (LWP 4981)):',
    ...PARENT_GDB,
    '[Inferior 1 (process 4981) detached]',
    'Attaching to process 4995',
    'Thread 1 (Thread 0x7fa584abe740 (LWP 4995)):',
    ...CHILD_GDB,
    '[Inferior 1 (process 4995) detached]',
  ].join('\n');
  const s = parseStack(text);
  assert.equal(s.format, 'gdb');
  assert.equal(s.pid, 4981, "the dump's pid is the first one named");
  assert.deepEqual(shape(s), [
    [0, 4990, 'clock_nanosleep'],
    [0, 4981, 'libc_read'],
    [1, 4995, 'futex_wait'],
  ]);
});

test('gdb: only the detach lines mark the parts (no Attaching lines pasted): the split falls at each detach', () => {
  const text = [
    ...PARENT_GDB,
    '[Inferior 1 (process 4981) detached]',
    ...CHILD_GDB,
    '[Inferior 1 (process 4995) detached]',
  ].join('\n');
  assert.deepEqual(shape(parseStack(text)), [
    [0, null, 'libc_read'],
    [1, null, 'futex_wait'],
  ]);
});

test("gdb: a reporter's parent: / child (pid N): labels part the paste; a label before any thread starts nothing", () => {
  for (const [parent, child] of [
    ['parent process:', 'child process:'],
    ['**Parent**', '**Child (pid 4995)**'],
    ['## parent stack', '## forked child backtrace:'],
    ['Parent:', 'child pid=4995:'],
  ] as const) {
    const s = parseStack([parent, ...PARENT_GDB, '', child, ...CHILD_GDB].join('\n'));
    assert.deepEqual(
      shape(s),
      [
        [0, null, 'libc_read'],
        [1, null, 'futex_wait'],
      ],
      `${parent} / ${child}`,
    );
  }
});

test("a process the reporter labels a child has its threads marked labelledChild; gdb's own header for it keeps the mark, the next process does not inherit it", () => {
  const marks = (lines: string[]): [number | undefined, boolean][] =>
    parseStack(lines.join('\n')).threads.map((t) => [t.process, t.labelledChild === true]);
  // the child first, then gdb's Attaching line for the same process, then the parent after its detach line
  assert.deepEqual(
    marks([
      'child (pid 4995):',
      'Attaching to process 4995',
      ...CHILD_GDB,
      '[Inferior 1 (process 4995) detached]',
      'Attaching to process 4981',
      ...PARENT_GDB,
    ]),
    [
      [0, true],
      [1, false],
    ],
  );
  assert.deepEqual(marks(['Parent:', ...PARENT_GDB, '', 'forked child backtrace:', ...CHILD_GDB]), [
    [0, false],
    [1, true],
  ]);
  // a child label alone (one process): the mark, without a process field
  const alone = parseStack(['child process:', ...CHILD_GDB].join('\n')).threads;
  assert.deepEqual(
    alone.map((t) => [t.process, t.labelledChild]),
    [[undefined, true]],
  );
  // no label, or a parent label: no mark
  assert.ok(parseStack(['parent:', ...CHILD_GDB].join('\n')).threads.every((t) => t.labelledChild === undefined));
  assert.ok(parseStack(CHILD_GDB.join('\n')).threads.every((t) => t.labelledChild === undefined));
});

test('gdb: the same pid attached again is the same process; two threads of one process stay one process', () => {
  const text = [
    'Attaching to process 4981',
    'Thread 2 (Thread 0x7f01 (LWP 4990)):',
    ...PARENT_GDB,
    'Thread 1 (Thread 0x7f02 (LWP 4981)):',
    ...CHILD_GDB,
    'Attaching to process 4981',
  ].join('\n');
  const s = parseStack(text);
  assert.equal(s.threads.length, 2);
  assert.ok(
    s.threads.every((t) => t.process === undefined),
    'one process: no process field',
  );
});

test("gdb with several inferiors (a parent and the child it forked, in one gdb): each inferior's I.N threads are a process", () => {
  const text = [
    '(gdb) thread apply all bt',
    '',
    'Thread 2.1 (Thread 0x7ffff7d8a740 (LWP 4995) "spawn"):',
    ...CHILD_GDB,
    '',
    'Thread 1.2 (Thread 0x7ffff7d89640 (LWP 4990) "spawn"):',
    '#0  0x00007fa582ca4f76 in __GI___clock_nanosleep (clock_id=0) at clock_nanosleep.c:48',
    '',
    'Thread 1.1 (Thread 0x7ffff7d8a740 (LWP 4981) "spawn"):',
    ...PARENT_GDB,
  ].join('\n');
  assert.deepEqual(shape(parseStack(text)), [
    [0, 4995, 'futex_wait'],
    [1, 4990, 'clock_nanosleep'],
    [1, 4981, 'libc_read'],
  ]);
  // info threads rows and a switch name the inferior too
  const rows = [
    '  Id   Target Id                                  Frame',
    '* 2.1  Thread 0x7ffff7d8a740 (LWP 4995) "spawn" futex_wait (private=0, expected=2, futex_word=0x7fa582e1cc80 <main_arena>) at ../sysdeps/nptl/futex-internal.h:146',
    '  1.1  Thread 0x7ffff7d8a740 (LWP 4981) "spawn" 0x00007fa582d6b7e2 in __GI___libc_read (fd=7, buf=0x7ffd, nbytes=8) at ../sysdeps/unix/sysv/linux/read.c:26',
  ].join('\n');
  assert.deepEqual(shape(parseStack(rows)), [
    [0, 4995, 'futex_wait'],
    [1, 4981, 'libc_read'],
  ]);
});

test('gdb following a fork (detach-on-fork off), a real session: info inferiors is no thread, and each inferior is one process whatever the order of its rows and backtraces', () => {
  // test/fixtures/stacks/capture-pasted.ts follow-fork: the deadlocker run under gdb, then
  // `info inferiors`, `info threads` (rows 1.1 … 2.1), `thread apply all bt` (2.1 first, then 1.4 … 1.1)
  const text = readFileSync(join(FIXTURES, 'gdb/linux-follow-fork.txt'), 'utf8');
  const inferiors = [...text.matchAll(/^[* ] (\d) {4}process (\d+) /gm)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.equal(inferiors.length, 2, 'the fixture lists two inferiors');
  const [parentPid, childPid] = [inferiors[0]![1]!, inferiors[1]![1]!];
  const s = parseStack(text);
  const byProcess = new Map<number | undefined, (number | null)[]>();
  for (const t of s.threads) byProcess.set(t.process, [...(byProcess.get(t.process) ?? []), t.tid]);
  assert.deepEqual([...byProcess.values()].map((tids) => tids.length).sort(), [1, 4], shape(s).join(' / '));
  assert.deepEqual(byProcess.get(0), [childPid], 'the child (inferior 2, printed first) alone');
  assert.ok(byProcess.get(1)!.includes(parentPid), 'the parent and its threads in the other');
  for (const t of s.threads)
    assert.ok(t.frames.length > 1, `tid ${t.tid}: the full backtrace replaced its info threads row`);
  assert.equal(s.threads[0]!.frames[1]!.normalized, 'lll_lock_wait');
});

test('gdb: two thread apply all bt pasted one after the other, each numbering from 1: a number that names another LWP starts the next process', () => {
  const parent = [
    'Thread 2 (Thread 0x7fa57f5ff700 (LWP 4990)):',
    '#0  0x00007fa582ca4f76 in __GI___clock_nanosleep (clock_id=0) at clock_nanosleep.c:48',
    '',
    'Thread 1 (Thread 0x7fa584abe740 (LWP 4981)):',
    ...PARENT_GDB,
  ];
  const child = ['Thread 1 (Thread 0x7fa584abe740 (LWP 4995)):', ...CHILD_GDB];
  const s = parseStack(
    ['(gdb) thread apply all bt', '', ...parent, '', '(gdb) thread apply all bt', '', ...child].join('\n'),
  );
  assert.deepEqual(shape(s), [
    [0, 4990, 'clock_nanosleep'],
    [0, 4981, 'libc_read'],
    [1, 4995, 'futex_wait'],
  ]);
  // the child's listing first: a number that names another LWP further down the parent's listing parts nothing
  // (the parent's threads above it would be cut from their process): one process, as before
  const childFirst = parseStack([...child, '', ...parent].join('\n'));
  assert.ok(childFirst.threads.every((t) => t.process === undefined));
  assert.equal(childFirst.threads.length, 3);
  // the same process printed twice (same numbers, same LWPs) stays one process, each thread once
  const twice = parseStack([...parent, '', ...parent].join('\n'));
  assert.equal(twice.threads.length, 2);
  assert.ok(twice.threads.every((t) => t.process === undefined));
});

test("words like parent and child inside ordinary lines part nothing, nor do bt full's locals of those names", () => {
  const text = [
    'The parent process hangs in read:',
    ...PARENT_GDB,
    'child is stuck in malloc, see below, this happens once a day',
    ...CHILD_GDB.slice(1),
  ].join('\n');
  assert.ok(parseStack(text).threads.every((t) => t.process === undefined));
  const full = [
    '#0  0x00007fa582d6b7e2 in __GI___libc_read (fd=7, buf=0x7ffd, nbytes=8) at read.c:26',
    '        child = 0',
    '        parent = 4981',
    '#1  0x000055e0a1b2c3d4 in spawn_helper (argv=0x7ffd) at spawn.c:88',
    '        child = 4995',
    '#2  0x000055e0a1b2c512 in main () at main.c:40',
  ].join('\n');
  const s = parseStack(full);
  assert.deepEqual(
    s.threads.map((t) => [t.process, t.frames.length]),
    [[undefined, 3]],
  );
});

test('labels with a pid: after pid, in parentheses, or after one space', () => {
  for (const [label, pid] of [
    ['child (pid 4995):', 4995],
    ['child pid=4995:', 4995],
    ['Child process (4995):', 4995],
    ['child 4995:', 4995],
    ['child:', null],
  ] as const) {
    const s = parseStack([...PARENT_GDB, label, ...CHILD_GDB].join('\n'));
    assert.deepEqual(
      s.threads.map((t) => t.process),
      [0, 1],
      label,
    );
    assert.equal(s.pid, pid, `${label}: the first pid named is the dump's`);
  }
});

test('the command that took each stack, pasted with or without its prompt, starts its process', () => {
  for (const [first, second] of [
    ["$ sudo gdb -p 4981 -batch -ex 'thread apply all bt'", "$ sudo gdb -p 4995 -batch -ex 'thread apply all bt'"],
    ['(gdb) attach 4981', '(gdb) attach 4995'],
    ['# pstack 4981', '# pstack 4995'],
    ['root@build-03:~# gstack 4981', 'root@build-03:~# gstack 4995'],
    ['[root@ci ~]# eu-stack -p 4981', '[root@ci ~]# eu-stack --pid=4995'],
    ['gdb /usr/bin/python3 4981', 'gdb -q /usr/bin/python3 4995'],
    ['(lldb) process attach --pid 4981', '(lldb) process attach --pid 4995'],
    ['py-spy dump --native --pid 4981', 'py-spy dump --native --pid 4995'],
  ] as const) {
    const s = parseStack([first, ...PARENT_GDB, '', second, ...CHILD_GDB].join('\n'));
    assert.deepEqual(
      s.threads.map((t) => t.process),
      [0, 1],
      first,
    );
    assert.equal(s.pid, 4981, `${first}: the first pid named is the dump's`);
  }
  // the same pid again (a second look at one process) is the same process
  const again = parseStack(['(gdb) attach 4981', ...PARENT_GDB, '(gdb) attach 4981', ...CHILD_GDB].join('\n'));
  assert.ok(again.threads.every((t) => t.process === undefined));
});

test('lines that only look like commands part nothing: prose, a pipe, bt full locals, no pid', () => {
  for (const line of [
    'I ran gdb -p 4995 on the child and got:',
    '        attach = 4995',
    '$ gdb -p $(pgrep -n git) -batch -ex bt',
    '$ pstack',
    'attached 4995 threads',
  ]) {
    const s = parseStack([...PARENT_GDB, line, ...CHILD_GDB].join('\n'));
    assert.ok(
      s.threads.every((t) => t.process === undefined),
      line,
    );
  }
});

test('eu-stack: two PID headers are two processes', () => {
  const text = [
    'PID 4981 - process',
    'TID 4981:',
    '#0  0x00007fa582d6b7e2 read - /usr/lib/x86_64-linux-gnu/libc.so.6',
    '#1  0x000055e0a1b2c3d4 spawn_helper - /opt/app/bin/app',
    'PID 4995 - process',
    'TID 4995:',
    '#0  0x00007fa582c91f16 __lll_lock_wait_private - /usr/lib/x86_64-linux-gnu/libc.so.6',
    '#1  0x00007fa582ca1b2c malloc - /usr/lib/x86_64-linux-gnu/libc.so.6',
  ].join('\n');
  const s = parseStack(text);
  assert.equal(s.format, 'eu-stack');
  assert.deepEqual(shape(s), [
    [0, 4981, 'read'],
    [1, 4995, 'lll_lock_wait_private'],
  ]);
});

test('pstack (illumos): two process headers, the second without lwp headers, are two processes', () => {
  const text = [
    '4981:\t/opt/app/bin/app -d',
    '-----------------  lwp# 1 / thread# 1  --------------------',
    ' feef4a15 read     (7, 8047b30, 8)',
    ' 08051a3c spawn_helper (8047c70) + 4c',
    '4995:\t/opt/app/bin/app -d',
    ' feef0b55 lwp_park (0, 0, 0)',
    ' feeea1f2 mutex_lock_impl (fef7a2c0, 0) + 163',
    ' feeea2d1 mutex_lock (fef7a2c0) + 11',
  ].join('\n');
  const s = parseStack(text);
  assert.equal(s.format, 'pstack');
  assert.equal(s.pid, 4981);
  assert.deepEqual(shape(s), [
    [0, 1, 'read'],
    [1, null, 'lwp_park'],
  ]);
  assert.ok(!s.warnings.some((w) => /second process/.test(w)), s.warnings.join('; '));
});

test('lldb: Process N stopped … detached, twice, is two processes (thread #1 of each its own)', () => {
  const text = [
    '(lldb) process attach --pid 4981',
    'Process 4981 stopped',
    '* thread #1, name = "app", stop reason = signal SIGSTOP',
    '  * frame #0: 0x00007ff80a8c0a0e libsystem_kernel.dylib`read + 10',
    '    frame #1: 0x0000000100003f20 app`spawn_helper + 64',
    '(lldb) process detach',
    'Process 4981 detached',
    '(lldb) process attach --pid 4995',
    'Process 4995 stopped',
    '* thread #1, name = "app", stop reason = signal SIGSTOP',
    '  * frame #0: 0x00007ff80a8c3a2e libsystem_kernel.dylib`__psynch_mutexwait + 10',
    '    frame #1: 0x00007ff80a8fd9d8 libsystem_pthread.dylib`_pthread_mutex_firstfit_lock_wait + 76',
  ].join('\n');
  const s = parseStack(text);
  assert.equal(s.format, 'lldb');
  assert.deepEqual(
    s.threads.map((t) => [t.process, t.frames[0]?.normalized, t.frames.length]),
    [
      [0, 'read', 2],
      [1, 'psynch_mutexwait', 2],
    ],
  );
});

test("py-spy dump: each Process N: header starts a process (read by the lenient reader's Python shapes)", () => {
  const text = [
    'Process 44100: /usr/bin/python3 app.py',
    'Python v3.9.9 (/usr/bin/python3.9)',
    '',
    'Thread 44167 (idle): "worker"',
    '    _execute_child (subprocess.py:1777)',
    '    __init__ (subprocess.py:951)',
    '',
    'Process 89047: /usr/bin/python3 app.py',
    'Python v3.9.9 (/usr/bin/python3.9)',
    '',
    'Thread 89047 (idle): "worker"',
    '    _acquireLock (logging/__init__.py:221)',
    '    getLogger (logging/__init__.py:2042)',
  ].join('\n');
  const s = parseStack(text);
  assert.equal(s.format, 'lenient');
  assert.deepEqual(
    s.threads.map((t) => [t.process, t.frames[0]?.normalized]),
    [
      [0, 'execute_child'],
      [1, 'acquireLock'],
    ],
  );
});

test('macOS sample: a second "Analysis of sampling" graph is another process, read like the first', () => {
  const graph = (pid: number, inner: string): string[] => [
    `Analysis of sampling app (pid ${pid}) every 1 millisecond`,
    'Call graph:',
    '    2774 Thread_123   DispatchQueue_1: com.apple.main-thread  (serial)',
    '    + 2774 start  (in libdyld.dylib) + 1  [0x7fff6a1b3cc9]',
    '    +   2774 main  (in app) + 52  [0x10a8f1e34]',
    `    +     2774 ${inner}  (in libsystem_kernel.dylib) + 10  [0x7fff6a2e6e0a]`,
    'Total number in stack (recursive counted multiple times):',
    '',
  ];
  const s = parseStack([...graph(4981, 'read'), ...graph(4995, '__psynch_mutexwait')].join('\n'));
  assert.equal(s.format, 'macos-sample');
  assert.deepEqual(
    s.threads.map((t) => [t.process, t.frames.map((f) => f.normalized)]),
    [
      [0, ['read', 'main', 'start']],
      [1, ['psynch_mutexwait', 'main', 'start']],
    ],
  );
});

test("gdb: a bare backtrace after a headed listing is another process's `bt` unless it repeats a listed thread", () => {
  const listing = [
    'Thread 2 (Thread 0x7fa57f5ff700 (LWP 4990)):',
    '#0  0x00007fa582ca4f76 in __GI___clock_nanosleep (clock_id=0) at clock_nanosleep.c:48',
    '#1  0x000055e0a1b2c700 in ticker (arg=0x0) at tick.c:12',
    'Thread 1 (Thread 0x7fa584abe740 (LWP 4981)):',
    ...PARENT_GDB,
    '',
  ];
  // the reporter's words between are not a label the readers know: the bare backtrace repeats no listed thread
  const child = parseStack(
    [...listing, 'and here is the one that never exec-ed (4995), after a minute:', ...CHILD_GDB].join('\n'),
  );
  assert.deepEqual(shape(child), [
    [0, 4990, 'clock_nanosleep'],
    [0, 4981, 'libc_read'],
    [1, null, 'futex_wait'],
  ]);
  // `bt` of the current thread, and `bt 1` (its innermost frame): that process's, printed again
  const again = parseStack([...listing, '(gdb) bt', ...PARENT_GDB, '(gdb) bt 1', PARENT_GDB[0]!].join('\n'));
  assert.deepEqual(
    again.threads.map((t) => t.process),
    [undefined, undefined, undefined],
    'one process: the repeats stay in it',
  );
  assert.deepEqual(
    again.threads.map((t) => t.frames.length),
    [2, 2, 1],
    'the whole repeat kept once, the innermost frame alone as gdb printed it',
  );
  // a bare backtrace before any header is no repeat to tell: one process, as before
  const first = parseStack([...CHILD_GDB, '', ...listing].join('\n'));
  assert.deepEqual(
    first.threads.map((t) => t.process),
    [undefined, undefined, undefined],
  );
});

test('gdb: thousands of bare backtraces after a listing: the first 64 that repeat nothing part processes, the rest stay', () => {
  const lines: string[] = [];
  for (let i = 3000; i >= 1; i--) {
    lines.push(`Thread ${i} (Thread 0x7f${i.toString(16)} (LWP ${10000 + i})):`, ...PARENT_GDB);
    lines.push(`#0  0x00007f0000${i.toString(16).padStart(4, '0')} in other_${i} () at o.c:1`);
  }
  const stack = parseStack(lines.join('\n'));
  assert.equal(stack.threads.length, 6000);
  assert.equal(new Set(stack.threads.map((t) => t.process)).size, 65, 'the listing, and 64 bare backtraces');
});
