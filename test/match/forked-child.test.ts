/**
 * Forked-child mode (`matchSignatures(…, { forkedChild: true })`, `classify
 * --forked-child`, the daemon): a lock wait that no live thread of the dump
 * can release is a deadlock under lock-wait-forked-child, the lock named when
 * the frames print it; without the flag only the stack decides. Clear
 * non-deadlocks (a condition-variable wait, epoll, read, a busy loop) are
 * never named one, with or without the flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeFunctionName, parseStack } from '../../src/capture/parse/index.js';
import type { Frame, Thread } from '../../src/capture/types.js';
import { loadSignatures, matchSignatures } from '../../src/match/index.js';
import { BUSY, COND_WAIT, EPOLL, MUTEX_WAIT, READ, SEM_WAIT, gdbThreads } from './dumps.js';

const lib = loadSignatures().signatures;
const FORKED = { forkedChild: true };

function verdict(threads: Thread[], forkedChild: boolean): string {
  const m = matchSignatures(threads, lib, { forkedChild });
  return m.deadlock ? m.matches[0]!.signatureId : 'none';
}

/** The JDK's hung child (a mutex wait under childProcess) pasted with the parent's thread reading the fail-pipe. */
const JDK_CHILD_AND_PARENT = [
  {
    frames: [
      ...MUTEX_WAIT,
      'log_line(l=0x5610)',
      'childProcess(arg=0x7ffd)',
      'Java_java_lang_ProcessImpl_forkAndExec(env=0x7f01)',
    ],
  },
  { frames: [...READ, 'readFully(fd=12)', 'Java_java_lang_ProcessImpl_forkAndExec(env=0x7f01)'] },
];

const cases: { name: string; threads: Thread[]; plain: string; forked: string }[] = [
  {
    name: 'one thread, glibc mutex wait in the child code',
    threads: gdbThreads([
      { frames: [...MUTEX_WAIT, 'log_line(msg=0x5610)', 'child_setup(job=0x5620)', 'run_job(job=0x5620)'] },
    ]),
    plain: 'lock-wait-single-threaded-child',
    forked: 'lock-wait-forked-child',
  },
  {
    name: 'one thread, semaphore',
    threads: gdbThreads([{ frames: [...SEM_WAIT, 'wait_token(t=0x5600)', 'child_setup(job=0x5620)'] }]),
    plain: 'lock-wait-single-threaded-child',
    forked: 'lock-wait-forked-child',
  },
  {
    name: "one thread, Python's GIL (a cond wait under take_gil)",
    threads: gdbThreads([
      {
        frames: [
          ...COND_WAIT.slice(0, 4),
          'take_gil(tstate=0x7f10)',
          'PyEval_RestoreThread(tstate=0x7f10)',
          'child_setup',
        ],
      },
    ]),
    plain: 'lock-wait-single-threaded-child',
    forked: 'lock-wait-forked-child',
  },
  {
    name: 'one thread, stopped in unnamed libc internals under application code',
    threads: gdbThreads([
      { frames: ['??', '??', 'get_datetime_string()', 'grab_datetime_macro()', 'run_async_check()'] },
    ]),
    plain: 'none',
    forked: 'libc-internal-wait-forked-child',
  },
  {
    name: 'one thread, unnamed frame right above localtime (its time-zone lock, no libc symbols)',
    threads: gdbThreads([{ frames: ['??', 'localtime()', 'log_stamp(buf=0x7f10)', 'child_setup'] }]),
    plain: 'lock-wait-single-threaded-child',
    forked: 'lock-wait-forked-child',
  },
  {
    name: 'one thread, localtime named at the top (running, not waiting)',
    threads: gdbThreads([{ frames: ['localtime()', 'log_stamp(buf=0x7f10)', 'main()'] }]),
    plain: 'none',
    forked: 'none',
  },
  {
    name: 'one thread, unnamed libc frame under an exported read (no symbols, not a lock)',
    threads: gdbThreads([{ frames: ['??', 'read()', 'read_request(fd=0)', 'main()'] }]),
    plain: 'none',
    forked: 'none',
  },
  {
    name: 'one thread, musl __lock outside malloc',
    threads: gdbThreads([
      {
        frames: [
          '__wait(addr=0x7f10 <lock>, waiters=0x7f14, val=1, priv=1)',
          '__lock(l=0x7f10 <lock>)',
          'getenv_locked(name=0x5610)',
          'child_setup(job=0x5620)',
        ],
      },
    ]),
    plain: 'lock-wait-single-threaded-child',
    forked: 'lock-wait-forked-child',
  },
  {
    name: 'one thread, macOS mutex',
    threads: gdbThreads([
      {
        frames: [
          '__psynch_mutexwait',
          '_pthread_mutex_firstfit_lock_wait',
          '_pthread_mutex_firstfit_lock_slow',
          'os_log_impl_flatten',
          'child_setup',
        ],
      },
    ]),
    plain: 'lock-wait-single-threaded-child',
    forked: 'lock-wait-forked-child',
  },
  {
    name: 'one thread, glibc rwlock',
    threads: gdbThreads([
      {
        frames: [
          '__futex_abstimed_wait_common64(private=128, cancel=false, abstime=0x0, op=393, expected=3, futex_word=0x7f80 <_dl_load_write_lock+8>)',
          '__pthread_rwlock_wrlock_full64(rwlock=0x7f78 <_dl_load_write_lock>, clockid=0, abstime=0x0)',
          '___pthread_rwlock_wrlock(rwlock=0x7f78 <_dl_load_write_lock>)',
          'dl_iterate_phdr_locked(cb=0x5610)',
          'child_setup',
        ],
      },
    ]),
    plain: 'lock-wait-single-threaded-child',
    forked: 'lock-wait-forked-child',
  },
  {
    name: 'one thread, abseil spin delay',
    threads: gdbThreads([
      {
        frames: [
          'syscall()',
          'AbslInternalSpinLockDelay_lts_20230802(w=0x5610, value=2, loop=8)',
          'absl::lts_20230802::base_internal::SpinLock::SlowLock(this=0x5610)',
          'registry_lookup(r=0x5600)',
          'child_setup',
        ],
      },
    ]),
    plain: 'lock-wait-single-threaded-child',
    forked: 'lock-wait-forked-child',
  },
  {
    name: 'one thread, an Apache httpd prefork child (prefork_run below it is the MPM, no prepare handler)',
    threads: gdbThreads([
      {
        frames: [
          ...MUTEX_WAIT,
          'apr_thread_mutex_lock(mutex=0x55e0)',
          'ssl_init_Child(p=0x55e0, s=0x55e0)',
          'ap_run_child_init(pchild=0x55e0, s=0x55e0)',
          'child_main(child_num_arg=0, child_bucket=0)',
          'make_child(s=0x55e0, slot=0)',
          'prefork_run(_pconf=0x55e0, plog=0x55e0, s=0x55e0)',
          'main(argc=2, argv=0x7ff0)',
        ],
      },
    ]),
    plain: 'lock-wait-single-threaded-child',
    forked: 'lock-wait-forked-child',
  },
  {
    name: 'one thread, old macOS spin lock in malloc (it yields in syscall_thread_switch)',
    threads: gdbThreads([
      {
        frames: [
          'syscall_thread_switch',
          '_OSSpinLockLockSlow',
          'szone_malloc_should_clear',
          'malloc_zone_malloc',
          'malloc',
          'child_setup',
        ],
      },
    ]),
    plain: 'lock-wait-single-threaded-child',
    forked: 'lock-wait-forked-child',
  },
  {
    name: 'two threads (macOS): dispatch_sync waiting for a queue, and an idle workqueue thread (it holds no lock, it is not counted)',
    threads: gdbThreads([
      {
        frames: [
          '__ulock_wait',
          '_dispatch_thread_event_wait_slow',
          '__DISPATCH_WAIT_FOR_QUEUE__',
          '_dispatch_sync_f_slow',
          'child_setup',
        ],
      },
      { frames: ['__workq_kernreturn', '_pthread_wqthread', 'start_wqthread'] },
    ]),
    // the parked workqueue thread is not counted: as far as locks go the process has one thread
    plain: 'lock-wait-single-threaded-child',
    forked: 'lock-wait-forked-child',
  },
  {
    name: 'two threads (macOS): a mutex wait, and a workqueue thread running code (it may release it)',
    threads: gdbThreads([
      { frames: ['__psynch_mutexwait', '_pthread_mutex_firstfit_lock_slow', 'child_setup'] },
      { frames: ['__workq_kernreturn', 'do_work', '_pthread_wqthread', 'start_wqthread'] },
    ]),
    plain: 'none',
    forked: 'none',
  },
  {
    name: 'two threads, both waiting for locks (ABBA)',
    threads: gdbThreads([
      {
        frames: [
          ...MUTEX_WAIT,
          'transfer_a_to_b(a=0x5610, b=0x5620)',
          'worker_a(arg=0x0)',
          'start_thread(arg=0x0)',
          'clone3()',
        ],
      },
      {
        frames: [
          ...MUTEX_WAIT,
          'transfer_b_to_a(a=0x5610, b=0x5620)',
          'worker_b(arg=0x0)',
          'start_thread(arg=0x0)',
          'clone3()',
        ],
      },
    ]),
    plain: 'none',
    forked: 'lock-wait-forked-child',
  },
  // a lock wait under code that only runs in a forked child names the child, whatever else the paste holds
  {
    name: "a paste with the parent's thread too: a mutex wait under the JDK's childProcess, the parent reading the exec pipe",
    threads: gdbThreads(JDK_CHILD_AND_PARENT),
    plain: 'lock-wait-in-child-code',
    forked: 'lock-wait-in-child-code',
  },
  {
    name: "one thread, a mutex wait under CPython's PyOS_AfterFork_Child (an at-fork child hook)",
    threads: gdbThreads([
      {
        frames: [
          ...MUTEX_WAIT,
          'PyThread_acquire_lock_timed(lock=0x5610)',
          '_after_at_fork_child_reinit_locks()',
          'run_at_forkers(lst=0x7f02, reverse=0)',
          'PyOS_AfterFork_Child()',
          'os_fork_impl(module=0x7f03)',
        ],
      },
    ]),
    plain: 'lock-wait-in-child-code',
    forked: 'lock-wait-in-child-code',
  },
  {
    name: 'two threads: a mutex wait under a bare fork_child (it as often names the function that forks), the other thread in epoll',
    threads: gdbThreads([
      { frames: [...MUTEX_WAIT, 'log_line(l=0x5610)', 'fork_child(job=0x5620)', 'run_job(job=0x5620)'] },
      { frames: [...EPOLL, 'main()'] },
    ]),
    plain: 'none',
    forked: 'none',
  },
  // never a deadlock
  {
    name: 'two threads: one waits for a lock, the other waits for epoll (it may release it)',
    threads: gdbThreads([
      { frames: [...MUTEX_WAIT, 'handle(c=0x5610)', 'worker(arg=0x0)'] },
      { frames: [...EPOLL, 'main()'] },
    ]),
    plain: 'none',
    forked: 'none',
  },
  {
    name: 'one thread, condition-variable wait',
    threads: gdbThreads([{ frames: [...COND_WAIT, 'queue_pop(q=0x5600)', 'main()'] }]),
    plain: 'none',
    forked: 'none',
  },
  {
    name: 'one thread, a condition-variable wait under child-only code (not a lock wait)',
    threads: gdbThreads([{ frames: [...COND_WAIT, 'queue_pop(q=0x5600)', 'childProcess(arg=0x7ffd)'] }]),
    plain: 'none',
    forked: 'none',
  },
  {
    name: 'one thread, epoll_wait',
    threads: gdbThreads([{ frames: [...EPOLL, 'main()'] }]),
    plain: 'none',
    forked: 'none',
  },
  { name: 'one thread, read', threads: gdbThreads([{ frames: [...READ, 'main()'] }]), plain: 'none', forked: 'none' },
  {
    name: 'one thread, busy loop',
    threads: gdbThreads([{ frames: [...BUSY, 'main()'] }]),
    plain: 'none',
    forked: 'none',
  },
  {
    name: 'two threads: a lock wait, and a join (untimed: it cannot run before another thread does)',
    threads: gdbThreads([
      { frames: [...MUTEX_WAIT, 'log_line(l=0x5610)', 'worker(arg=0x0)', 'start_thread(arg=0x0)', 'clone3()'] },
      { frames: ['__futex_abstimed_wait_common64()', '__pthread_clockjoin_ex(threadid=140)', 'main()'] },
    ]),
    plain: 'none',
    forked: 'lock-wait-forked-child',
  },
  {
    name: 'two threads: a lock wait, and a timed condition wait (it wakes by itself, and may release the lock)',
    threads: gdbThreads([
      { frames: [...MUTEX_WAIT, 'log_line(l=0x5610)', 'worker(arg=0x0)'] },
      {
        frames: [
          '__futex_abstimed_wait_common64()',
          '__pthread_cond_wait_common()',
          '___pthread_cond_timedwait64(cond=0x5620, mutex=0x5630)',
          'flusher(arg=0x0)',
        ],
      },
    ]),
    plain: 'none',
    forked: 'none',
  },
  {
    name: 'two threads in condition-variable waits',
    threads: gdbThreads([
      { frames: [...COND_WAIT, 'queue_pop(q=0x5600)', 'worker(arg=0x0)'] },
      { frames: [...COND_WAIT, 'queue_pop(q=0x5600)', 'worker(arg=0x0)'] },
    ]),
    plain: 'none',
    forked: 'none',
  },
];

for (const c of cases) {
  test(`forked child: ${c.name} → ${c.plain} as pasted, ${c.forked} with --forked-child`, () => {
    assert.equal(verdict(c.threads, false), c.plain, 'without the flag');
    assert.equal(verdict(c.threads, true), c.forked, 'with the flag');
  });
}

test('forked child: a specific signature still wins over the generic one', () => {
  const t = gdbThreads([
    {
      frames: [
        '__lll_lock_wait_private(futex=0x7f8e <main_arena>)',
        '__GI___libc_malloc(bytes=32816)',
        'alloc_dir(fd=3)',
        '__opendir(name=0x7f8e)',
        'closeDescriptors()',
        'childProcess(arg=0x7f8d)',
      ],
    },
  ]);
  const m = matchSignatures(t, lib, FORKED);
  assert.deepEqual(
    m.matches.map((x) => x.signatureId),
    ['glibc-malloc-lock-after-fork'],
  );
});

test('forked child: the lock is named from the frame arguments (Frame.args, where the parser keeps them)', () => {
  const frame = (fn: string, args?: string): Frame => ({
    fn,
    normalized: normalizeFunctionName(fn),
    module: null,
    offset: null,
    address: null,
    ...(args !== undefined ? { args } : {}),
  });
  const t: Thread = {
    tid: 1,
    name: null,
    frames: [
      frame('__lll_lock_wait', 'futex=0x7f1 <file_lock>, private=0'),
      frame('___pthread_mutex_lock', 'mutex=0x7f1 <file_lock>'),
      frame('append_log', 'fd=3'),
      frame('child_main'),
    ],
  };
  const m = matchSignatures([t], lib, FORKED).matches[0]!;
  assert.equal(m.signatureId, 'lock-wait-forked-child');
  assert.equal(m.lock, 'file_lock');
  const noArgs = matchSignatures([{ ...t, frames: t.frames.map(({ args: _a, ...f }) => f) }], lib, FORKED).matches[0]!;
  assert.equal(noArgs.lock, undefined);
});

test('forked child: rules with forkedChild: true match only with the option', () => {
  const t = gdbThreads([
    { frames: [...MUTEX_WAIT, 'a(x=1)', 'worker(arg=0x0)'] },
    { frames: [...MUTEX_WAIT, 'b(x=2)', 'worker(arg=0x0)'] },
  ]);
  assert.equal(matchSignatures(t, lib).matches.length, 0);
  assert.equal(matchSignatures(t, lib, {}).matches.length, 0);
  assert.equal(matchSignatures(t, lib, { forkedChild: false }).matches.length, 0);
  assert.equal(matchSignatures(t, lib, FORKED).matches[0]?.severity, 'critical');
});

/** The same threads, marked as two processes of one paste: the parent's two threads, then the child's one. */
function asProcesses(threads: Thread[], processOf: number[]): Thread[] {
  return threads.map((t, i) => ({ ...t, process: processOf[i]! }));
}

test('a paste of two processes is judged one process at a time: the child alone is one thread in a lock wait', () => {
  const threads = gdbThreads([
    { frames: [...EPOLL, 'main()'] },
    { frames: [...READ, 'spawn_helper(argv=0x7ffd)', 'main()'] },
    { frames: [...MUTEX_WAIT, 'log_line(l=0x5610)', 'build_env(n=12)', 'spawn_helper(argv=0x7ffd)', 'main()'] },
  ]);
  assert.equal(verdict(threads, false), 'none', 'read as one process: three threads, two of them live');
  assert.equal(verdict(threads, true), 'none', 'read as one process, even with the flag');
  const pasted = asProcesses(threads, [0, 0, 1]);
  const plain = matchSignatures(pasted, lib);
  assert.equal(plain.matches[0]?.signatureId, 'lock-wait-single-threaded-child');
  assert.equal(plain.matches[0]?.threadIndex, 2, "the child's thread, counted in the whole paste");
  assert.equal(plain.matches[0]?.lock, 'lock_a');
  assert.equal(verdict(pasted, true), 'lock-wait-forked-child');
  assert.equal(
    plain.fingerprint,
    matchSignatures([threads[2]!], lib).fingerprint,
    "the fingerprint is the child's, as if pasted alone",
  );
});

test('a paste of two processes: the most severe process wins, the first of equals; none when no process is a deadlock', () => {
  const child = { frames: [...MUTEX_WAIT, 'log_line(l=0x5610)', 'childProcess(arg=0x7ffd)'] };
  const single = { frames: [...MUTEX_WAIT, 'log_line(l=0x5610)', 'worker_main(arg=0x0)'] };
  const threads = gdbThreads([single, child]);
  const m = matchSignatures(asProcesses(threads, [0, 1]), lib);
  assert.deepEqual(
    [m.matches[0]?.signatureId, m.matches[0]?.threadIndex],
    ['lock-wait-in-child-code', 1],
    'critical (child-only code) over warning (a single-threaded lock wait)',
  );
  const both = matchSignatures(asProcesses(gdbThreads([single, single]), [0, 1]), lib);
  assert.deepEqual(
    [both.matches[0]?.signatureId, both.matches[0]?.threadIndex],
    ['lock-wait-single-threaded-child', 0],
  );
  const quiet = gdbThreads([
    { frames: [...READ, 'main()'] },
    { frames: [...COND_WAIT, 'queue_pop(q=0x5600)', 'main()'] },
  ]);
  const none = matchSignatures(asProcesses(quiet, [0, 1]), lib, FORKED);
  assert.deepEqual(none.matches, []);
  assert.equal(none.deadlock, false);
});

test('a paste of more than 64 processes: the first 63 are judged alone, the rest as one (a hostile paste stays as cheap as one process)', () => {
  const quiet = gdbThreads([{ frames: [...READ, 'main()'] }])[0]!;
  const locked = gdbThreads([{ frames: [...MUTEX_WAIT, 'log_line(l=0x5610)', 'main()'] }])[0]!;
  const paste = (at: number): Thread[] =>
    Array.from({ length: 100 }, (_, i) => ({ ...(i === at ? locked : quiet), process: i }));
  const early = matchSignatures(paste(62), lib);
  assert.deepEqual(
    [early.matches[0]?.signatureId, early.matches[0]?.threadIndex],
    ['lock-wait-single-threaded-child', 62],
  );
  assert.equal(matchSignatures(paste(80), lib).deadlock, false, 'process 80 is judged with 63…99: not one thread');
});

test("macOS: a lock wait in libsystem_malloc is macOS's zone lock, not glibc's arena; with --forked-child it needs no child frame", () => {
  const sample = (outer: string): string =>
    [
      'Call graph:',
      '    2560 Thread_9911123   DispatchQueue_1: com.apple.main-thread  (serial)',
      '      2560 start  (in libdyld.dylib) + 1  [0x7fff6b4e3cc9]',
      `        2560 ${outer}  (in worker) + 40  [0x10aa1a118]`,
      '          2560 malloc  (in libsystem_malloc.dylib) + 21  [0x7fff6b69bcf5]',
      '            2560 malloc_zone_malloc  (in libsystem_malloc.dylib) + 104  [0x7fff6b69bd98]',
      '              2560 szone_malloc_should_clear  (in libsystem_malloc.dylib) + 66  [0x7fff6b69d1c2]',
      '                2560 _os_unfair_lock_lock_slow  (in libsystem_platform.dylib) + 137  [0x7fff6b6d6e1d]',
      '                  2560 __ulock_wait  (in libsystem_kernel.dylib) + 10  [0x7fff6b62a6c2]',
    ].join('\n');
  const named = (text: string, forkedChild: boolean): string => {
    const m = matchSignatures(parseStack(text).threads, lib, { forkedChild });
    return m.deadlock ? m.matches[0]!.signatureId : 'none';
  };
  assert.equal(named(sample('PyOS_AfterFork_Child'), false), 'macos-malloc-lock-after-fork');
  assert.equal(named(sample('run_task'), true), 'macos-malloc-lock-after-fork');
  assert.equal(named(sample('run_task'), false), 'lock-wait-single-threaded-child', 'as pasted: no fork in sight');
  // the same names outside libsystem_malloc (an allocator of the program's own) are not libmalloc's
  assert.equal(
    named(sample('run_task').replaceAll('(in libsystem_malloc.dylib)', '(in libmyalloc.dylib)'), true),
    'lock-wait-forked-child',
  );
});

test("the parent's side: a JVM thread in forkAndExec is an info note (no deadlock), and never hides a deadlock a generic rule finds", () => {
  const jstack = [
    '"SCM polling for hudson.model.FreeStyleProject@1a2b3c[build-app]" #123 daemon prio=5 os_prio=0 tid=0x00007f2c4800a000 nid=0x1234 runnable [0x00007f2c1f7fd000]',
    '   java.lang.Thread.State: RUNNABLE',
    '\tat java.lang.UNIXProcess.forkAndExec(Native Method)',
    '\tat java.lang.UNIXProcess.<init>(UNIXProcess.java:247)',
    '\tat java.lang.ProcessBuilder.start(ProcessBuilder.java:1029)',
  ].join('\n');
  const parent = matchSignatures(parseStack(jstack).threads, lib);
  assert.deepEqual(
    parent.matches.map((m) => [m.signatureId, m.severity]),
    [['jdk-parent-waits-in-forkandexec', 'info']],
  );
  assert.equal(parent.deadlock, false, 'an info note alone is not a deadlock');
  // native (gdb, jstack -m): the fail-pipe read under Java_java_lang_ProcessImpl_forkAndExec
  const native = gdbThreads([
    { frames: [...READ, 'readFully(fd=12)', 'Java_java_lang_ProcessImpl_forkAndExec(env=0x7f01)'] },
  ]);
  assert.equal(matchSignatures(native, lib).matches[0]?.signatureId, 'jdk-parent-waits-in-forkandexec');
  // beside the hung child's thread: the child's generic deadlock first, the note after it
  const both = gdbThreads(JDK_CHILD_AND_PARENT);
  const m = matchSignatures(both, lib);
  assert.deepEqual(
    m.matches.map((x) => x.signatureId),
    ['lock-wait-in-child-code', 'jdk-parent-waits-in-forkandexec'],
  );
  assert.ok(m.deadlock);
});

test('a process the paste labels a child is judged as --forked-child judges it; a parent label, or none, is judged as pasted', () => {
  const child = [
    '#0  futex_wait (private=0, expected=2, futex_word=0x7fa582e1cc80 <main_arena>) at ../sysdeps/nptl/futex-internal.h:146',
    '#1  __GI___lll_lock_wait_private (futex=futex@entry=0x7fa582e1cc80 <main_arena>) at ./nptl/lowlevellock.c:34',
    '#2  0x00007fa582ca1b2c in __GI___libc_malloc (bytes=64) at ./malloc/malloc.c:3287',
    '#3  0x000055e0a1b2c100 in build_env (n=12) at spawn.c:52',
  ].join('\n');
  const named = (text: string): string => verdict(parseStack(text).threads, false);
  // malloc's lock wait is glibc-malloc-lock-after-fork only in a forked child; as pasted, a lock wait in one thread
  assert.equal(verdict(parseStack(child).threads, true), 'glibc-malloc-lock-after-fork');
  assert.equal(named(child), 'lock-wait-single-threaded-child');
  assert.equal(named(`child process:\n${child}`), 'glibc-malloc-lock-after-fork');
  assert.equal(named(`parent:\n${child}`), 'lock-wait-single-threaded-child');
  // two processes: only the labelled child is judged as one
  const parent =
    '#0  0x00007fa582d6b7e2 in __GI___libc_read (fd=7, buf=0x7ffd, nbytes=8) at ../sysdeps/unix/sysv/linux/read.c:26';
  assert.equal(named(`parent:\n${parent}\n\nchild (pid 4995):\n${child}`), 'glibc-malloc-lock-after-fork');
});

test('forked child still inside fork(): whatever its child-side handlers do but I/O (a spin, a sleep loop), it never returns; as pasted only when a sample shows it stayed there', () => {
  const RUNNER = ['__run_postfork_handlers(who=atfork_run_child, do_locking=false, lastrun=0)', '__libc_fork()'];
  const spinning = ['spin_until_clear(flag=0x55d0 <owner_flag>)', 'reinit_after_fork()'];
  const sleeping = [
    '__GI___clock_nanosleep(clock_id=0, flags=0, req=0x7ffd, rem=0x0)',
    '__GI___nanosleep(req=0x7ffd, rem=0x0)',
    'usleep(useconds=1000)',
    'reinit_after_fork()',
  ];
  const named = (frames: string[], forkedChild: boolean): string => verdict(gdbThreads([{ frames }]), forkedChild);
  const hung = [
    [
      'glibc 2.35+: a spin under __run_postfork_handlers',
      [...spinning, ...RUNNER, 'spawn_helper(argv=0x7ffd)', 'main()'],
    ],
    ['glibc 2.35+: a sleep loop', [...sleeping, ...RUNNER, 'main()']],
    ['glibc before 2.28: the handler called by fork itself', [...spinning, '__libc_fork()', 'main()']],
    ['musl: under __fork_handler', [...spinning, '__fork_handler(who=1)', 'fork()', 'main()']],
    [
      'no symbols (a stripped program, libc without debug symbols): unnamed frames between it and fork',
      ['clock_nanosleep()', 'nanosleep()', 'usleep()', '??', '??', '??', 'fork()', '??', 'main()'],
    ],
  ] as const;
  for (const [what, frames] of hung) {
    assert.equal(named([...frames], true), 'fork-child-handlers-never-return', what);
    assert.equal(named([...frames], false), 'none', `${what}, as pasted: a handler caught mid-run looks the same`);
  }
  const sample = [
    'Analysis of sampling worker (pid 23866) every 1 millisecond',
    'Call graph:',
    '    4112 Thread_812345   DispatchQueue_1: com.apple.main-thread  (serial)',
    '    + 4112 start  (in dyld) + 6076  [0x18b0c6b4c]',
    '    +   4112 main  (in worker) + 64  [0x100a0c0a0]',
    '    +     4112 fork  (in libsystem_c.dylib) + 112  [0x18b39f210]',
    '    +       4112 _pthread_atfork_child_handlers  (in libsystem_pthread.dylib) + 76  [0x18b4f19a8]',
    '    +         4112 settings_child_has_forked()  (in Network) + 296  [0x194c8d0e8]',
  ].join('\n');
  const m = matchSignatures(parseStack(sample).threads, lib, FORKED);
  assert.equal(m.matches[0]?.signatureId, 'fork-child-handlers-never-return', 'macOS: a spin under libSystem’s runner');
  // as pasted, a sample is time in sight: every one of 4112 samples (4 s at 1 ms) was in the child's handlers
  const asPasted = (text: string): string => verdict(parseStack(text).threads, false);
  assert.equal(asPasted(sample), 'fork-child-handlers-never-return', 'as pasted: all 4112 samples in there');
  assert.equal(
    asPasted(sample.replaceAll('4112 ', '400 ')),
    'none',
    'as pasted: 400 samples (0.4 s) are too few to tell a slow handler from a stuck one',
  );
  const leftIt = sample
    .replace('4112 Thread_812345', '5000 Thread_812345')
    .replace('4112 start', '5000 start')
    .replace('4112 main', '5000 main');
  assert.equal(asPasted(leftIt), 'none', 'as pasted: 888 of 5000 samples were elsewhere, the thread moved on');
  // never: fork's own code innermost (a parent spinning in fork, pennmush #555), a parent in the fork system call,
  // a handler waiting for I/O, a second live thread; a prepare handler is the parent's hang
  const never = [
    ['fork innermost', ['__libc_fork()', 'fork_and_dump(forking=1)', 'dbsave_event(data=0x0)', 'main()']],
    ['in the system call', ['_Fork()', '__libc_fork()', 'main()']],
    ['a handler reading a socket', [...READ, 'reconnect_after_fork()', ...RUNNER, 'main()']],
  ] as const;
  for (const [what, frames] of never) assert.equal(named([...frames], true), 'none', what);
  const prepare = [
    ...spinning.slice(0, 1),
    'lock_all_prefork()',
    '__run_prefork_handlers(do_locking=true)',
    '__libc_fork()',
    'main()',
  ];
  assert.equal(named(prepare, true), 'atfork-prepare-handler', "a prepare handler: the parent's hang, named so");
  const twoLive = gdbThreads([{ frames: [...spinning, ...RUNNER, 'main()'] }, { frames: [...EPOLL, 'main()'] }]);
  assert.equal(verdict(twoLive, true), 'none', 'another live thread may be the one it waits for');
});
