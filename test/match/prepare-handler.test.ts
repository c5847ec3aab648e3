/**
 * Prepare-handler hangs: a parent stuck INSIDE fork(), in a prepare handler,
 * gets a signature with "prepare handler" in its title and is never named
 * "after fork" / "across fork" (different bug, different fix). A recursive
 * self-deadlock with no fork in sight keeps a non-fork name. Children stuck
 * after fork keep their after-fork names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeFunctionName } from '../../src/capture/parse/index.js';
import { loadSignatures, matchSignatures } from '../../src/match/index.js';
import type { Frame, Thread } from '../../src/capture/types.js';
import { COND_WAIT, EPOLL, MUTEX_WAIT, gdbThreads } from './dumps.js';

const lib = loadSignatures().signatures;
/** Other threads of the parent, as in any real multi-threaded process. */
const BYSTANDERS = [
  { frames: [...COND_WAIT, 'pool_worker(arg=0x0)', 'start_thread(arg=0x0)', 'clone3()'] },
  { frames: [...EPOLL, 'io_thread(arg=0x0)', 'start_thread(arg=0x0)', 'clone3()'] },
];
const SPIN = [
  'syscall()',
  'base::internal::SpinLockDelay(w=0x7f10, value=2, loop=4)',
  'SpinLock::SlowLock(this=0x7f10 <tcmalloc::Static::central_cache_+1152>)',
];

const prepare: { name: string; threads: Thread[]; first: string }[] = [
  {
    name: 'gperftools CentralCacheLockAll ← fork',
    threads: gdbThreads([
      ...BYSTANDERS,
      {
        name: 'main',
        frames: [...SPIN, 'tcmalloc::CentralCacheLockAll()', '__libc_fork()', 'spawn_worker(cmd=0x5610)', 'main()'],
      },
    ]),
    first: 'tcmalloc-prepare-handler',
  },
  {
    name: 'gperftools CentralCacheLockAll ← __run_prefork_handlers ← __libc_fork (glibc 2.35+)',
    threads: gdbThreads([
      ...BYSTANDERS,
      {
        frames: [
          ...SPIN,
          'tcmalloc::CentralFreeList::Lock(this=0x7f10)',
          'tcmalloc::CentralCacheLockAll()',
          '__run_prefork_handlers(do_locking=true)',
          '__libc_fork()',
          'spawn_worker(cmd=0x5610)',
        ],
      },
    ]),
    first: 'tcmalloc-prepare-handler',
  },
  {
    name: 'jemalloc je_arena_prefork ← __libc_fork',
    threads: gdbThreads([
      ...BYSTANDERS,
      {
        frames: [
          ...MUTEX_WAIT,
          'je_malloc_mutex_lock_slow(mutex=0x7f02 <je_arenas+64>)',
          'malloc_mutex_lock(mutex=0x7f02, tsdn=0x7f03)',
          'je_malloc_mutex_prefork(tsdn=0x7f03, mutex=0x7f02)',
          'je_arena_prefork7(tsdn=0x7f03, arena=0x7f04)',
          'jemalloc_prefork()',
          '__libc_fork()',
          'run_child(job=0x5620)',
        ],
      },
    ]),
    first: 'jemalloc-prepare-handler',
  },
  {
    name: 'jemalloc arena_prefork without prefix, no fork frame in the paste',
    threads: gdbThreads([
      ...BYSTANDERS,
      {
        frames: [
          'malloc_mutex_lock_slow(mutex=0x7f02)',
          'malloc_mutex_prefork(tsdn=0x7f03, mutex=0x7f02)',
          'arena_prefork3(tsdn=0x7f03, arena=0x7f04)',
          '_malloc_prefork()',
        ],
      },
    ]),
    first: 'jemalloc-prepare-handler',
  },
  {
    name: 'glibc __run_prefork_handlers: an application prepare handler',
    threads: gdbThreads([
      ...BYSTANDERS,
      {
        frames: [
          ...MUTEX_WAIT,
          'cache_prepare()',
          '__run_prefork_handlers(do_locking=true)',
          '__libc_fork()',
          'spawn(cmd=0x5610)',
        ],
      },
    ]),
    first: 'glibc-atfork-prepare-handler',
  },
  {
    name: 'glibc before 2.35: __run_fork_handlers in a multi-threaded process',
    threads: gdbThreads([
      ...BYSTANDERS,
      {
        frames: [
          ...MUTEX_WAIT,
          'cache_prepare()',
          '__run_fork_handlers(who=atfork_run_prepare, do_locking=true)',
          '__libc_fork()',
          'spawn(cmd=0x5610)',
        ],
      },
    ]),
    first: 'glibc-atfork-prepare-handler',
  },
  {
    name: "glibc's own prepare step: __malloc_fork_lock_parent",
    threads: gdbThreads([
      ...BYSTANDERS,
      {
        frames: [
          '__lll_lock_wait_private(futex=0x7f8e <main_arena>)',
          '__malloc_fork_lock_parent()',
          '__libc_fork()',
          'spawn(cmd=0x5610)',
        ],
      },
    ]),
    first: 'glibc-atfork-prepare-handler',
  },
  {
    name: 'no glibc symbols, multi-threaded: a lock wait inside fork is the parent',
    threads: gdbThreads([...BYSTANDERS, { frames: ['??', 'pthread_mutex_lock()', '??', '??', 'fork()', '??'] }]),
    first: 'glibc-atfork-prepare-handler',
  },
  // synthetic: a known pre-fork hook called from fork, no child-side frame (single-threaded pastes, where the child rules look first)
  {
    name: 'OpenBLAS blas_thread_shutdown_ ← fork, glibc without symbols, the forking thread alone',
    threads: gdbThreads([
      {
        frames: [
          '__lll_lock_wait()',
          'pthread_mutex_lock()',
          'blas_thread_shutdown_()',
          '??',
          '__libc_fork()',
          'spawn(cmd=0x5610)',
          'main()',
        ],
      },
    ]),
    first: 'atfork-prepare-handler',
  },
  {
    name: 'a *_fork_prepare hook spinning on sched_yield ← __run_fork_handlers (no args) ← fork',
    threads: gdbThreads([
      {
        frames: [
          'sched_yield()',
          'rt_spin_acquire(l=0x7f10)',
          'rt_fork_prepare()',
          '__run_fork_handlers()',
          'fork()',
          'main()',
        ],
      },
    ]),
    first: 'atfork-prepare-handler',
  },
  {
    name: 'a C++ ForkPrepare hook over a raw futex syscall ← fork',
    threads: gdbThreads([
      {
        frames: [
          'syscall()',
          'lib::Mutex::LockSlowPath(this=0x7f10)',
          'lib::internal::ForkPrepare()',
          'fork()',
          'main()',
        ],
      },
    ]),
    first: 'atfork-prepare-handler',
  },
  {
    name: 'musl __fork_handler in a multi-threaded process',
    threads: gdbThreads([
      ...BYSTANDERS,
      {
        frames: [
          '__timedwait_cp(addr=0x7f10, val=2)',
          '__timedwait(addr=0x7f10, val=2)',
          '__pthread_mutex_timedlock(m=0x7f00 <cache_lock>)',
          '__pthread_mutex_lock(m=0x7f00)',
          'cache_prepare()',
          '__fork_handler(who=-1)',
          'fork()',
          'spawn()',
        ],
      },
    ]),
    first: 'musl-atfork-prepare-handler',
  },
  {
    name: 'macOS _pthread_atfork_prepare_handlers',
    threads: gdbThreads([
      ...BYSTANDERS,
      {
        frames: [
          '__psynch_mutexwait',
          '_pthread_mutex_firstfit_lock_wait',
          '_pthread_mutex_firstfit_lock_slow',
          'cache_prepare',
          '_pthread_atfork_prepare_handlers',
          'fork',
          'spawn',
        ],
      },
    ]),
    first: 'macos-atfork-prepare-handler',
  },
];

for (const p of prepare) {
  test(`prepare handler: ${p.name} → ${p.first}, every name a prepare-handler one, never "after fork"`, () => {
    const m = matchSignatures(p.threads, lib);
    assert.equal(m.matches[0]?.signatureId, p.first, m.matches.map((x) => x.signatureId).join(', '));
    assert.ok(m.deadlock);
    for (const x of m.matches) {
      assert.match(x.title, /prepare handler/, `${x.signatureId}: ${x.title}`);
      assert.doesNotMatch(`${x.signatureId} ${x.title}`, /after[- ]fork|across fork/i, x.signatureId);
    }
    const forked = matchSignatures(p.threads, lib, { forkedChild: true });
    assert.equal(forked.matches[0]?.signatureId, p.first, 'the flag does not rename a specific match');
  });
}

test('prepare-handler signatures exist with "prepare handler" in the title; none has "after fork" in id or title', () => {
  const ids = lib.filter((s) => /prepare-handler$/.test(s.id));
  assert.deepEqual(ids.map((s) => s.id).sort(), [
    'atfork-prepare-handler',
    'glibc-atfork-prepare-handler',
    'jemalloc-prepare-handler',
    'macos-atfork-prepare-handler',
    'musl-atfork-prepare-handler',
    'tcmalloc-prepare-handler',
  ]);
  for (const s of ids) {
    assert.match(s.title, /prepare handler/);
    assert.doesNotMatch(s.title, /after fork|across fork/i);
  }
});

/** forkedChild: the dump alone does not show that it is of a forked child (an allocator lock wait could be a self-deadlock). */
const children: { name: string; threads: Thread[]; first: string; forkedChild?: boolean }[] = [
  {
    name: 'tcmalloc SpinLock in the child, under closeDescriptors',
    threads: gdbThreads([
      {
        frames: [
          ...SPIN,
          'tcmalloc::CentralFreeList::RemoveRange(this=0x7f10)',
          'tcmalloc::ThreadCache::FetchFromCentralCache(this=0x7f20)',
          'tc_malloc(size=32)',
          'closeDescriptors()',
          'childProcess(arg=0x7f8d)',
        ],
      },
    ]),
    first: 'tcmalloc-lock-after-fork',
  },
  {
    name: 'jemalloc mutex in the child (--forked-child)',
    threads: gdbThreads([
      {
        frames: [
          ...MUTEX_WAIT,
          'je_malloc_mutex_lock_slow(mutex=0x7f02)',
          'je_arena_tcache_fill_small(tsdn=0x7f03)',
          'je_malloc_default(size=80)',
          'child_setup(job=0x5620)',
        ],
      },
    ]),
    first: 'jemalloc-lock-after-fork',
    forkedChild: true,
  },
  {
    name: "jemalloc mutex under CPython's _posixsubprocess child_exec",
    threads: gdbThreads([
      {
        frames: [
          ...MUTEX_WAIT,
          'je_malloc_mutex_lock_slow(mutex=0x7f02)',
          'je_arena_tcache_fill_small(tsdn=0x7f03)',
          'je_malloc_default(size=80)',
          '_close_open_fds_safe(keep_fds=0x7f10)',
          'child_exec(exec_array=0x7f20)',
        ],
      },
    ]),
    first: 'jemalloc-lock-after-fork',
  },
  {
    name: 'glibc atfork child handler',
    threads: gdbThreads([
      {
        frames: [
          ...MUTEX_WAIT,
          'cache_child()',
          '__run_postfork_handlers(who=atfork_run_child, do_locking=true, lastrun=1)',
          '__libc_fork()',
          'spawn(cmd=0x5610)',
        ],
      },
    ]),
    first: 'glibc-atfork-child-lock',
  },
  {
    name: "glibc atfork child handler that the application named atfork_child (not macOS's runner)",
    threads: gdbThreads([
      {
        frames: [
          '__GI___lll_lock_wait()',
          'pthread_mutex_lock()',
          'atfork_child()',
          '__run_postfork_handlers()',
          '__fork()',
          'main()',
        ],
      },
    ]),
    first: 'glibc-atfork-child-lock',
  },
  {
    name: 'glibc before 2.35: __run_fork_handlers in the only thread',
    threads: gdbThreads([
      {
        frames: [
          ...MUTEX_WAIT,
          'cache_child()',
          '__run_fork_handlers(who=atfork_run_child, do_locking=true)',
          '__libc_fork()',
          'spawn(cmd=0x5610)',
        ],
      },
    ]),
    first: 'glibc-atfork-child-lock',
  },
  {
    name: 'a child handler named for shutdown, under __run_postfork_handlers, is a child (no prepare-handler name)',
    threads: gdbThreads([
      {
        frames: [
          ...MUTEX_WAIT,
          'pool_shutdown_in_child()',
          '__run_postfork_handlers(who=atfork_run_child, do_locking=true, lastrun=1)',
          '__libc_fork()',
          'spawn(cmd=0x5610)',
        ],
      },
    ]),
    first: 'glibc-atfork-child-lock',
  },
  {
    name: 'musl __fork_handler in the only thread',
    threads: gdbThreads([
      {
        frames: [
          '__wait(addr=0x7f10, waiters=0x7f14, val=1, priv=1)',
          '__lock(l=0x7f10)',
          'cache_child()',
          '__fork_handler(who=1)',
          'fork()',
          'spawn()',
        ],
      },
    ]),
    first: 'musl-atfork-child-lock',
  },
  {
    name: 'macOS _pthread_atfork_child_handlers',
    threads: gdbThreads([
      {
        frames: [
          '__psynch_mutexwait',
          '_pthread_mutex_firstfit_lock_wait',
          '_pthread_mutex_firstfit_lock_slow',
          'cache_child',
          '_pthread_atfork_child_handlers',
          'fork',
          'spawn',
        ],
      },
    ]),
    first: 'macos-atfork-child-lock',
  },
];
for (const c of children) {
  test(`after fork: ${c.name} → ${c.first}, no prepare-handler name`, () => {
    const m = matchSignatures(c.threads, lib, { forkedChild: c.forkedChild === true });
    assert.equal(m.matches[0]?.signatureId, c.first, m.matches.map((x) => x.signatureId).join(', '));
    for (const x of m.matches) assert.doesNotMatch(x.title, /prepare handler/, x.signatureId);
  });
}

test('an allocator lock wait with no fork in sight is not named after fork as pasted (it may be a self-deadlock)', () => {
  for (const frames of [
    [
      ...SPIN,
      'tcmalloc::ThreadCache::InitModule()',
      'tcmalloc::ThreadCache::GetCache()',
      'tc_malloc(size=32)',
      '_dl_map_object_deps()',
      'dl_open_worker()',
    ],
    [
      '__lll_lock_wait_private(futex=0x7f8e <main_arena>)',
      '_L_lock_10288()',
      '__GI___libc_malloc(bytes=64)',
      'os::malloc(size=64)',
      'VMError::report(st=0x7f10)',
    ],
    [
      ...MUTEX_WAIT,
      'je_malloc_mutex_lock_slow(mutex=0x7f02)',
      'je_arena_tcache_fill_small(tsdn=0x7f03)',
      'je_malloc_default(size=80)',
      'handle_request(r=0x5620)',
    ],
  ]) {
    const m = matchSignatures(gdbThreads([{ frames }]), lib);
    assert.ok(m.deadlock, 'a single-threaded lock wait is still a deadlock');
    for (const x of m.matches) assert.doesNotMatch(`${x.signatureId} ${x.title}`, /fork|exec'd/i, x.signatureId);
    const forked = matchSignatures(gdbThreads([{ frames }]), lib, { forkedChild: true });
    assert.match(
      forked.matches[0]!.signatureId,
      /-lock-after-fork$/,
      'with --forked-child it is the allocator after fork',
    );
  }
});

test('a recursive self-deadlock with no fork in sight keeps a non-fork name (allocation in a signal handler that interrupted one)', () => {
  for (const inner of [
    [
      '__lll_lock_wait_private(futex=0x7f8e <main_arena>)',
      '_int_malloc(av=0x7f8e <main_arena>, bytes=64)',
      '__GI___libc_malloc(bytes=64)',
    ],
    [...SPIN, 'tcmalloc::ThreadCache::FetchFromCentralCache(this=0x7f20)', 'tc_malloc(size=32)'],
  ]) {
    const threads = gdbThreads([
      {
        frames: [
          ...inner,
          'format_crash(sig=11)',
          'on_sigsegv(sig=11)',
          '<signal handler called>',
          '_int_malloc(av=0x7f8e <main_arena>, bytes=4096)',
          'malloc(bytes=4096)',
          'parse_input(p=0x5610)',
          'main()',
        ],
      },
    ]);
    const m = matchSignatures(threads, lib);
    assert.equal(m.matches[0]?.signatureId, 'allocator-lock-reentered', m.matches.map((x) => x.signatureId).join(', '));
    for (const x of m.matches) assert.doesNotMatch(`${x.signatureId} ${x.title}`, /fork/i, x.signatureId);
  }
});

test("glibc before 2.35: __run_fork_handlers' printed argument tells the prepare handler from the child's (Frame.args)", () => {
  const frame = (fn: string, args?: string): Frame => ({
    fn,
    normalized: normalizeFunctionName(fn),
    module: null,
    offset: null,
    address: '0x1',
    ...(args !== undefined ? { args } : {}),
  });
  const thread = (who: string, top: Frame[]): Thread[] => [
    {
      tid: 1,
      name: null,
      frames: [
        ...top,
        frame('app_handler'),
        frame('__run_fork_handlers', `who=who@entry=${who}, do_locking=true`),
        frame('__libc_fork'),
        frame('spawn'),
      ],
    },
  ];
  const sleeping = [frame('__GI___nanosleep'), frame('usleep', 'useconds=<optimized out>')];
  const locking = [frame('__lll_lock_wait', 'futex=0x7f1, private=0'), frame('pthread_mutex_lock', 'mutex=0x7f1')];
  assert.equal(
    matchSignatures(thread('atfork_run_prepare', sleeping), lib).matches[0]?.signatureId,
    'glibc-atfork-prepare-handler',
    'a prepare handler sleeping in a loop',
  );
  const prep = matchSignatures(thread('atfork_run_prepare', locking), lib);
  assert.deepEqual(
    prep.matches.map((m) => m.signatureId),
    ['glibc-atfork-prepare-handler'],
    'one thread, yet the argument says prepare: never the child handler',
  );
  assert.equal(
    matchSignatures(thread('atfork_run_child', locking), lib).matches[0]?.signatureId,
    'glibc-atfork-child-lock',
  );
  assert.equal(
    matchSignatures(thread('atfork_run_child', sleeping), lib).deadlock,
    false,
    'a child handler sleeping is not a lock wait',
  );
  // glibc runs the parent's handlers through the same function, after fork returned in the parent
  for (const runner of ['__run_fork_handlers', '__run_postfork_handlers']) {
    const parent = thread('atfork_run_parent', locking);
    parent[0]!.frames[3] = frame(runner, 'who=atfork_run_parent, do_locking=true, lastrun=3');
    assert.deepEqual(
      matchSignatures(parent, lib).matches.map((m) => m.signatureId),
      ['glibc-atfork-parent-handler'],
      `${runner}(atfork_run_parent): the parent's handler, never the child's`,
    );
    assert.deepEqual(
      matchSignatures(parent, lib, { forkedChild: true }).matches.map((m) => m.signatureId),
      ['glibc-atfork-parent-handler'],
      `${runner}(atfork_run_parent), even with --forked-child`,
    );
  }
});
