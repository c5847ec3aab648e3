/**
 * The shared vocabulary (signatures/vocabulary.yaml): which list each printed
 * name falls in after normalization, per libc; which threads are in a lock
 * wait (a condition-variable, epoll or read wait never is); the lock's name
 * from gdb's arguments; and how files define, extend and reference lists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeFunctionName } from '../../src/capture/parse/index.js';
import type { Frame } from '../../src/capture/types.js';
import {
  compileVocabulary,
  hasRole,
  loadSignatures,
  lockNameOf,
  lockWaitOf,
  parseSignatureText,
} from '../../src/match/index.js';
import { condWaitOf } from '../../src/match/vocabulary.js';
import { listsHolding, wordParts } from '../../src/match/vocabulary.js';

const lib = loadSignatures();
const cv = compileVocabulary(lib.vocabulary);

function frames(spec: string[]): Frame[] {
  return spec.map((s, i) => {
    const [name, args] = s.split('|');
    const fn = name === '??' ? null : name!;
    return {
      fn,
      normalized: normalizeFunctionName(fn),
      module: null,
      offset: null,
      address: `0x${(0x1000 + i).toString(16)}`,
      ...(args ? { args } : {}),
    };
  });
}

// printed name (as a tool prints it) → the list it must fall in.
const table: [string, string][] = [
  // glibc, with and without __GI_ / __libc_ / leading underscores and versions
  ['__GI___lll_lock_wait', 'lock-wait'],
  ['__lll_lock_wait_private', 'lock-wait'],
  // glibc's atexit registry: __internal_atexit takes __exit_funcs_lock (inlined), nothing else there blocks
  ['__internal_atexit', 'lock-wait'],
  // the sanitizer allocators take their region's mutex (Mutex::Lock inlined) and block on nothing else
  [
    '__sanitizer::SizeClassAllocator64<__asan::AP64<__sanitizer::LocalAddressSpaceView> >::GetFromAllocator(__sanitizer::AllocatorStats*, unsigned long, unsigned int*, unsigned long)',
    'allocator-lock',
  ],
  // Go's scheduler parking an idle OS thread: a wait for work, not a lock (its `park` is no lock word here)
  ['runtime.park_m', 'other-event-wait'],
  ['runtime.stopm', 'other-event-wait'],
  ['__lll_lock_wait', 'lock-wait'],
  ['___pthread_mutex_lock', 'lock-wait'],
  ['__pthread_mutex_lock@GLIBC_2.2.5', 'lock-wait'],
  ['__pthread_mutex_lock_full', 'lock-wait'],
  ['__pthread_mutex_cond_lock', 'lock-wait'],
  ['lll_mutex_lock_optimized', 'lock-wait'],
  ['__condvar_quiesce_and_switch_g1', 'lock-wait'],
  ['__condvar_acquire_lock', 'lock-wait'],
  ['pthread_rwlock_trywrlock', 'wait-primitive'],
  ['__pthread_mutex_trylock', 'wait-primitive'],
  ['ofi_monitors_add_cache', 'spin-delay'],
  ['_syscall_hook_trampoline_48_3d_00_f0_ff_ff', 'wait-primitive'],
  ['traced_raw_syscall', 'wait-primitive'],
  ['__pthread_rwlock_wrlock_full64', 'rwlock-wait'],
  ['__pthread_rwlock_rdlock_full', 'rwlock-wait'],
  ['___pthread_rwlock_rdlock', 'rwlock-wait'],
  ['__new_sem_wait_slow64.constprop.0', 'sem-wait'],
  ['do_futex_wait', 'sem-wait'],
  ['__new_sem_wait', 'sem-wait'],
  ['sem_wait@@GLIBC_2.34', 'sem-wait'],
  ['futex_wait', 'wait-primitive'],
  ['__futex_abstimed_wait_common64', 'wait-primitive'],
  ['__GI___futex_abstimed_wait_cancelable64', 'wait-primitive'],
  ['futex_wait_cancelable', 'wait-primitive'],
  // musl
  ['__timedwait_cp', 'wait-primitive'],
  ['__timedwait', 'wait-primitive'],
  ['__wait', 'wait-primitive'],
  ['__lock', 'lock-wait'],
  ['__pthread_mutex_timedlock', 'lock-wait'],
  ['pthread_mutex_timedlock', 'lock-wait'],
  ['__pthread_rwlock_timedrdlock', 'rwlock-wait'],
  ['__pthread_rwlock_timedwrlock', 'rwlock-wait'],
  // macOS libsystem
  ['__psynch_mutexwait', 'lock-wait'],
  // macOS before 10.12: spin locks and their yields; libSystem's $VARIANT$ / $UNIX2003 symbols
  ['_OSSpinLockLockSlow', 'lock-wait'],
  ['_OSSpinLockLockYield', 'lock-wait'],
  ['spin_lock$VARIANT$mp', 'lock-wait'],
  ['_spin_lock', 'lock-wait'],
  ['_os_lock_spin_lock_slow', 'lock-wait'],
  ['pthread_mutex_lock$VARIANT$mp', 'lock-wait'],
  ['syscall_thread_switch', 'wait-primitive'],
  ['swtch_pri', 'wait-primitive'],
  ['__semwait_signal', 'sleep'],
  ['__DISPATCH_WAIT_FOR_QUEUE__', 'lock-wait'],
  ['objc_sync_enter', 'lock-wait'],
  // glibc's lock macros as inlined frames; musl's internal locks; NSS, gpgrt, GLib bit locks, mimalloc
  ['_IO_lock_lock', 'lock-wait'],
  ['__rtld_lock_lock_recursive', 'lock-wait'],
  ['__libc_lock_lock_recursive', 'lock-wait'],
  ['__tl_lock', 'lock-wait'],
  ['__vm_wait', 'lock-wait'],
  ['__acquire_ptc', 'lock-wait'],
  ['PZ_Lock', 'lock-wait'],
  ['NSSRWLock_LockWrite', 'lock-wait'],
  ['gpgrt_lock_lock', 'lock-wait'],
  ['g_bit_lock', 'lock-wait'],
  ['g_pointer_bit_lock', 'lock-wait'],
  ['mi_lock_try_acquire', 'allocator-lock'],
  ['je_malloc_mutex_lock_final', 'allocator-lock'],
  // Rust's legacy hash, Go's ABI marker; Python-level logging lock (py-spy, faulthandler)
  ['std::sys::unix::locks::futex_mutex::Mutex::lock_contended::h1234567890abcdef', 'lock-wait'],
  ['runtime.lock2.abi0', 'lock-wait'],
  ['runtime.futex.abi0', 'wait-primitive'],
  ['_acquireLock', 'lock-wait'],
  // library wrappers, C++ static-local guards, OCaml's runtime lock, CPython's import lock
  ['boost::mutex::lock', 'lock-wait'],
  ['sqlite3_mutex_enter', 'lock-wait'],
  ['xmlRMutexLock', 'lock-wait'],
  ['icu_74::umtx_lock', 'lock-wait'],
  ['mono_os_mutex_lock', 'lock-wait'],
  ['CorUnix::InternalEnterCriticalSection', 'lock-wait'],
  ['__cxa_guard_acquire', 'once-wait'],
  ['__cxxabiv1::__cxa_guard_acquire', 'once-wait'],
  ['st_masterlock_acquire', 'cv-lock'],
  ['_PyImport_AcquireLock', 'cv-lock'],
  ['-[NSRecursiveLock lock]', 'lock-wait'],
  ['swift_once', 'once-wait'],
  ['jemalloc_prefork', 'prepare'],
  ['__pthread_mutex_clocklock_common', 'lock-wait'],
  ['rand', 'locking-call'],
  ['iconv_open', 'locking-call'],
  ['popen', 'locking-call'],
  ['__libc_dlopen_mode', 'locking-call'],
  ['setresuid', 'locking-call'],
  ['fork_child_proc', 'child'],
  ['fork_prepare_proc', 'prepare'],
  // Android bionic's fork runs the prepare handlers under the atfork list's mutex
  ['__bionic_atfork_run_prepare', 'prepare'],
  ['__bionic_atfork_run_child', 'child'],
  ['__nptl_setxid', 'locking-call'],
  ['pututxline', 'locking-call'],
  ['open_memstream', 'locking-call'],
  ['fseeko64', 'locking-call'],
  ['malloc_trim', 'locking-call'],
  ['__register_atfork', 'locking-call'],
  ['_malloc_prefork', 'prepare'],
  ['prefork_handler', 'prepare'],
  ['PreForkHook', 'prepare'],
  ['before_fork', 'prepare'],
  ['_PySemaphore_PlatformWait', 'wait-primitive'],
  ['_pthread_mutex_firstfit_lock_slow', 'lock-wait'],
  ['__psynch_rw_rdlock', 'rwlock-wait'],
  ['__psynch_rw_wrlock', 'rwlock-wait'],
  ['_pthread_rwlock_lock_wait', 'rwlock-wait'],
  ['_os_unfair_lock_lock_slow', 'lock-wait'],
  ['__ulock_wait', 'wait-primitive'],
  ['__psynch_cvwait', 'cond-wait'],
  ['pthread_barrier_wait', 'barrier-wait'],
  ['WaitForInitializeToComplete(objc_class*)', 'once-wait'],
  ['std::__1::__call_once(unsigned long volatile&, void*, void (*)(void*))', 'once-wait'],
  ['_PyOnceFlag_CallOnceSlow', 'once-wait'],
  ['gomp_team_barrier_wait_end', 'barrier-wait'],
  ['do_wait', 'wait-primitive'],
  // illumos / Solaris libc
  ['__lwp_park', 'wait-primitive'],
  ['lwp_park', 'wait-primitive'],
  ['mutex_lock_impl+0x163', 'lock-wait'],
  ['mutex_lock_queue', 'lock-wait'],
  ['lmutex_lock', 'lock-wait'],
  ['rw_wrlock_impl', 'rwlock-wait'],
  ['cond_wait_queue', 'cond-wait'],
  // spin delays
  ['base::internal::SpinLockDelay(int volatile*, int, int)', 'spin-delay'],
  ['SpinLockDelay', 'spin-delay'],
  ['SpinLock::SlowLock()', 'spin-delay'],
  ['absl::lts_20230802::base_internal::SpinLock::SlowLock()', 'spin-delay'],
  ['AbslInternalSpinLockDelay_lts_20230802', 'spin-delay'],
  ['je_spin_adaptive', 'spin-delay'],
  // allocators' own locks
  ['je_malloc_mutex_lock_slow', 'allocator-lock'],
  ['malloc_mutex_lock_slow', 'allocator-lock'],
  // not locks
  ['___pthread_cond_wait', 'cond-wait'],
  ['__pthread_cond_wait_common', 'cond-wait'],
  ['pthread_cond_timedwait@@GLIBC_2.3.2', 'timed-wait'],
  ['__pthread_clockjoin_ex', 'cond-wait'],
  ['epoll_wait', 'io-wait'],
  ['__GI___poll', 'io-wait'],
  ['__libc_read', 'io-wait'],
  ['read', 'io-wait'],
  ['__libc_accept', 'io-wait'],
  ['__GI___clock_nanosleep', 'sleep'],
  ['usleep', 'sleep'],
  ['sched_yield', 'sleep'],
  ['__GI___wait4', 'io-wait'],
  // fork, prepare, internals
  ['__libc_fork', 'fork'],
  ['__fork', 'fork'],
  ['forkx', 'fork'],
  ['__run_prefork_handlers', 'prepare'],
  ['__malloc_fork_lock_parent', 'prepare'],
  ['tcmalloc::CentralCacheLockAll()', 'prepare'],
  ['je_arena_prefork7', 'prepare'],
  ['je_malloc_mutex_prefork', 'prepare'],
  ['jemalloc_prefork', 'prepare'],
  ['_pthread_atfork_prepare_handlers', 'prepare'],
  ['__run_postfork_handlers', 'internal'],
  ['_int_malloc', 'internal'],
  ['__libc_start_call_main', 'internal'],
  ['arena_get2.part.0', 'internal'],
  ['childProcess', 'child'],
  ['forkedChildProcess', 'child'],
  ['markDescriptorsCloseOnExec', 'child'],
  ['closeDescriptors', 'child'],
  ['syscall.forkAndExecInChild1', 'child'],
  ['_libSystem_atfork_child', 'child'],
  // hooks named for the child's side of fork, and the runtimes' child-only after-fork code
  ['_after_at_fork_child_reinit_locks', 'child'],
  ['jemalloc_postfork_child', 'child'],
  ['mylib_atfork_child', 'child'],
  ['Foo::AfterForkInChild()', 'child'],
  ['PyOS_AfterFork_Child', 'child'],
  ['PyOS_AfterFork', 'child'],
  ['PyOS_BeforeFork', 'prepare'],
  ['_PyImport_ReInitLock', 'child'],
  ['rb_thread_atfork', 'child'],
  ['caml_thread_reinitialize', 'child'],
  ['OPENSSL_fork_child', 'child'],
  ['grpc_postfork_child', 'child'],
  // locks built on condition variables, once-waits, other runtimes
  ['take_gil', 'cv-lock'],
  ['PyEval_RestoreThread', 'cv-lock'],
  ['__pthread_once_slow', 'once-wait'],
  ['pthread_once', 'once-wait'],
  ['_os_once_gate_wait', 'once-wait'],
  ['absl::lts_20230125::Mutex::LockSlowLoop(absl::lts_20230125::SynchWaitParams*, int)', 'lock-wait'],
  [
    'absl::lts_20230125::synchronization_internal::FutexImpl::WaitUntil(std::atomic<int>*, int, absl::lts_20230125::synchronization_internal::KernelTimeout)',
    'wait-primitive',
  ],
  ['__sanitizer::BlockingMutex::LockSlow()', 'lock-wait'],
  ['_L_lock_289', 'lock-wait'],
  ['__kernel_vsyscall', 'wait-primitive'],
  ['__syscall6', 'wait-primitive'],
  ['je_rtree_node_init', 'allocator-lock'],
  ['g_mutex_lock_slowpath', 'lock-wait'],
  ['QBasicMutex::lockInternal()', 'lock-wait'],
  ['std::sys::sync::mutex::futex::Mutex::lock_contended', 'lock-wait'],
  ['parking_lot::raw_mutex::RawMutex::lock_slow', 'lock-wait'],
  ['runtime.lock2', 'lock-wait'],
  ['Mutex::lock_contended(Thread*)', 'lock-wait'],
  ['ObjectMonitor::EnterI(JavaThread*)', 'cv-lock'],
  ['os::PlatformEvent::park()', 'wait-primitive'],
  ['_IO_flockfile', 'lock-wait'],
  ['__lockfile', 'lock-wait'],
  ['g_once_init_enter', 'once-wait'],
  ['PR_CallOnce', 'once-wait'],
  ['PR_CallOnceWithArg', 'once-wait'],
  ['g_once_impl', 'once-wait'],
  ['boost::thread_detail::enter_once_region(boost::once_flag&)', 'once-wait'],
  ['icu_72::umtx_initImplPreInit(icu_72::UInitOnce&)', 'once-wait'],
  ['g_cond_wait', 'cond-wait'],
  ['__GI___libc_malloc', 'locking-call'],
  ['__tz_convert', 'locking-call'],
  ['_IO_fflush', 'locking-call'],
  ['__dlopen', 'locking-call'],
  // FreeBSD libthr, rtld-elf and libc; NetBSD libpthread and ld.elf_so; OpenBSD's libc thread layer
  ['_umtx_op_err', 'wait-primitive'],
  ['_thr_umtx_wait_uint', 'wait-primitive'],
  ['__thr_umutex_lock', 'lock-wait'],
  ['__thr_umutex_timedlock', 'lock-wait'],
  ['mutex_lock_sleep', 'lock-wait'],
  ['__Tthr_mutex_lock', 'lock-wait'],
  ['_spinlock', 'lock-wait'],
  ['__thr_rwlock_wrlock', 'rwlock-wait'],
  ['_thr_rwl_rdlock', 'rwlock-wait'],
  ['_thr_rtld_wlock_acquire', 'rwlock-wait'],
  ['wlock_acquire', 'rwlock-wait'],
  ['def_wlock_acquire', 'rwlock-wait'],
  ['__sys_sigprocmask', 'wait-primitive'],
  ['cond_wait_kernel', 'cond-wait'],
  ['join_common', 'cond-wait'],
  ['__thr_fork', 'fork'],
  ['_rtld_atfork_pre', 'prepare'],
  ['___lwp_park60', 'wait-primitive'],
  ['pthread__park', 'wait-primitive'],
  ['pthread__mutex_lock_slow', 'lock-wait'],
  ['_rtld_exclusive_enter', 'lock-wait'],
  ['pthread__rwlock_lock', 'rwlock-wait'],
  ['__thrsleep', 'wait-primitive'],
  ['_twait', 'wait-primitive'],
  ['_rthread_mutex_timedlock', 'lock-wait'],
  ['__libc_start1', 'internal'],
  // Android bionic and ART
  ['__futex_wait_ex(void volatile*, bool, int, bool, timespec const*)', 'wait-primitive'],
  ['__futex_syscall4', 'wait-primitive'],
  ['NonPI::MutexLockWithTimeout(pthread_mutex_internal_t*, bool, timespec const*)', 'lock-wait'],
  ['NonPI::NormalMutexLock(pthread_mutex_internal_t*, unsigned short, bool, timespec const*)', 'lock-wait'],
  ['__pthread_mutex_lock_with_timeout', 'lock-wait'],
  ['art::Mutex::ExclusiveLock(art::Thread*)', 'lock-wait'],
  ['art::ReaderWriterMutex::SharedLock(art::Thread*)', 'lock-wait'],
  ['scudo::HybridMutex::lockSlow()', 'allocator-lock'],
];

for (const [printed, list] of table) {
  test(`vocabulary: ${printed} → ${list}`, () => {
    const name = normalizeFunctionName(printed)!;
    assert.ok(
      listsHolding(cv, name).includes(list),
      `${printed} (normalized ${name}) is in [${listsHolding(cv, name).join(', ')}], not ${list}`,
    );
  });
}

test('vocabulary: ordinary names are in no list', () => {
  for (const n of [
    'main',
    'parse_config',
    'acquire',
    'prefork_run',
    'prefork_pre_config',
    'take_held_lock_in_child',
    // a bare fork_child / ForkChild as often names the function that forks (both sides run in it)
    'fork_child',
    'spawn_fork_child',
    'ForkChild',
    'PyOS_AfterFork_Parent',
    'Java_java_lang_ProcessImpl_forkAndExec',
    'pthread_create',
    // system() waits for its shell in wait4 (unnamed without symbols): no lock
    'system',
    'login',
    'getline',
    'lockf',
    'unlock',
    'pthread_mutex_unlock',
    'sem_post',
    'pthread_cond_signal',
  ]) {
    // the word-shape lists (lock-shaped, not-lock-shaped) look at words, not names: only the structural rule asks them
    assert.deepEqual(
      listsHolding(cv, n).filter((l) => !WORD_LISTS.includes(l)),
      [],
      n,
    );
  }
});

const WORD_LISTS = ['lock-shaped', 'not-lock-shaped'];

test('vocabulary: word parts split at _, ::, ., digits and camelCase humps', () => {
  assert.deepEqual(wordParts('__sanitizer::BlockingMutex::LockSlow'), [
    'sanitizer',
    'blocking',
    'mutex',
    'lock',
    'slow',
  ]);
  assert.deepEqual(wordParts('PyThread_acquire_lock_timed'), ['py', 'thread', 'acquire', 'lock', 'timed']);
  assert.deepEqual(wordParts('GVLAcquire'), ['gvl', 'acquire']);
  assert.deepEqual(wordParts('runtime.lock2'), ['runtime', 'lock']);
});

test('vocabulary: lock-shaped names have a lock word and no not-lock word', () => {
  for (const n of [
    'take_gil',
    'my_private_lock',
    'bthread::butex_wait_x',
    'Foo::SpinLoop',
    'LatchWait',
    'acquire_slot',
  ]) {
    assert.ok(listsHolding(cv, n).includes('lock-shaped'), n);
  }
  for (const n of [
    'pthread_mutex_unlock',
    'clock_gettime',
    'wait_cond_locked',
    'PyThread_read',
    'read_lock_file_events',
    'main',
    'Blocker::run',
    'deadline_until',
  ]) {
    assert.ok(!listsHolding(cv, n).includes('lock-shaped'), n);
  }
});

test('vocabulary: every list of the shipped file has a role, a description and regexes that compile', () => {
  assert.deepEqual(lib.errors, []);
  for (const [name, list] of Object.entries(lib.vocabulary)) {
    assert.ok(list.description, name);
    assert.ok(list.names.length > 0, name);
  }
  for (const n of ['lock-wait', 'rwlock-wait', 'sem-wait', 'spin-delay', 'allocator-lock'])
    assert.equal(lib.vocabulary[n]?.role, 'lock', n);
  assert.equal(lib.vocabulary['cond-wait']?.role, 'cond');
  assert.equal(lib.vocabulary['io-wait']?.role, 'not-lock');
  assert.ok(hasRole(cv, 'lock', 'lll_lock_wait') && !hasRole(cv, 'lock', 'pthread_cond_wait'));
});

// Innermost first, as dumps print them.
const waits: { name: string; stack: string[]; lock: string | null }[] = [
  {
    name: 'glibc mutex (symbols)',
    stack: ['futex_wait', '__GI___lll_lock_wait', 'lll_mutex_lock_optimized', '___pthread_mutex_lock', 'take'],
    lock: 'lock-wait',
  },
  { name: 'glibc mutex (no symbols)', stack: ['??', 'pthread_mutex_lock', 'take'], lock: 'lock-wait' },
  {
    name: 'glibc private lock under malloc',
    stack: ['__lll_lock_wait_private', '_int_malloc', 'malloc'],
    lock: 'lock-wait',
  },
  {
    name: 'glibc rwlock',
    stack: ['__futex_abstimed_wait_common64', '__pthread_rwlock_wrlock_full64', 'pthread_rwlock_wrlock', 'f'],
    lock: 'rwlock-wait',
  },
  { name: 'glibc semaphore', stack: ['__futex_abstimed_wait_common', '__new_sem_wait_slow64', 'f'], lock: 'sem-wait' },
  {
    name: 'musl mutex',
    stack: ['__timedwait_cp', '__timedwait', '__pthread_mutex_timedlock', 'pthread_mutex_lock', 'f'],
    lock: 'lock-wait',
  },
  { name: 'musl __lock', stack: ['__wait', '__lock', 'malloc'], lock: 'lock-wait' },
  {
    name: 'macOS mutex',
    stack: ['__psynch_mutexwait', '_pthread_mutex_firstfit_lock_wait', '_pthread_mutex_firstfit_lock_slow', 'f'],
    lock: 'lock-wait',
  },
  { name: 'macOS unfair lock', stack: ['__ulock_wait', '_os_unfair_lock_lock_slow', 'f'], lock: 'lock-wait' },
  { name: 'illumos mutex', stack: ['lwp_park', 'mutex_lock_impl', 'pthread_mutex_lock', 'f'], lock: 'lock-wait' },
  {
    name: 'tcmalloc spin',
    stack: ['syscall', 'base::internal::SpinLockDelay(int volatile*, int, int)', 'SpinLock::SlowLock()', 'f'],
    lock: 'spin-delay',
  },
  {
    name: "a cond wait under Python's GIL (a lock built on a condition variable)",
    stack: [
      'futex_wait_cancelable',
      '__pthread_cond_wait_common',
      'pthread_cond_wait',
      'drop_gil',
      'PyEval_EvalFrameDefault',
    ],
    lock: 'cv-lock',
  },
  {
    name: 'musl mutex through __syscall_cp',
    stack: [
      '__syscall6',
      '__syscall_cp_c',
      '__futex4_cp',
      '__timedwait_cp',
      '__timedwait',
      '__pthread_mutex_timedlock',
    ],
    lock: 'lock-wait',
  },
  {
    name: 'abseil Mutex',
    stack: [
      'absl::synchronization_internal::FutexImpl::WaitUntil',
      'absl::synchronization_internal::Waiter::Wait',
      'AbslInternalPerThreadSemWait_lts_20230125',
      'absl::synchronization_internal::PerThreadSem::Wait',
      'absl::Mutex::Block',
      'absl::Mutex::LockSlowLoop',
    ],
    lock: 'lock-wait',
  },
  {
    name: 'HotSpot contended monitor (a cond wait under ObjectMonitor::EnterI)',
    stack: [
      '__futex_abstimed_wait_common',
      '__pthread_cond_wait_common',
      '___pthread_cond_wait',
      'os::PlatformEvent::park()',
      'ObjectMonitor::EnterI(JavaThread*)',
      'ObjectMonitor::enter(JavaThread*)',
    ],
    lock: 'cv-lock',
  },
  {
    name: 'unnamed frame right above tzset (no libc symbols)',
    stack: ['??', '??', 'tzset', 'log_stamp'],
    lock: 'locking-call',
  },
  {
    name: 'a spin lock sleeping between tries (nanosleep under SpinLock::SlowLock)',
    stack: ['__GI___nanosleep', 'SpinLock::SlowLock()', 'DeleteHook'],
    lock: 'spin-delay',
  },
  {
    name: 'old glibc: __lll_mutex_lock_wait, _L_mutex_lock_NNN',
    stack: ['__kernel_vsyscall', '__lll_mutex_lock_wait', '_L_mutex_lock_88', '__pthread_mutex_lock', 'f'],
    lock: 'lock-wait',
  },
  {
    name: 'a futex helper of any name above the mutex',
    stack: ['__futex_clocklock_wait64', '__futex_clocklock64', '__pthread_mutex_lock_full', 'f'],
    lock: 'lock-wait',
  },
  {
    name: 'cond wait re-taking its mutex',
    stack: ['__lll_lock_wait', '__pthread_mutex_cond_lock', '__pthread_cond_wait_common', 'pthread_cond_wait'],
    lock: 'lock-wait',
  },
  // not lock waits
  {
    name: 'glibc cond wait',
    stack: [
      '__futex_abstimed_wait_common64',
      '__futex_abstimed_wait_common',
      '__GI___futex_abstimed_wait_cancelable64',
      '__pthread_cond_wait_common',
      '___pthread_cond_wait',
      'worker',
    ],
    lock: null,
  },
  { name: 'macOS cond wait', stack: ['__psynch_cvwait', '_pthread_cond_wait', 'worker'], lock: null },
  {
    name: 'abseil CondVar wait',
    stack: [
      'absl::synchronization_internal::FutexImpl::WaitUntil',
      'absl::synchronization_internal::PerThreadSem::Wait',
      'absl::Mutex::DecrementSynchSem',
      'absl::CondVar::WaitCommon',
      'absl::CondVar::Wait',
      'worker',
    ],
    lock: null,
  },
  { name: 'a busy loop yielding', stack: ['sched_yield', 'spin_until_ready', 'main'], lock: null },
  { name: 'a sleeper', stack: ['clock_nanosleep', '__GI___nanosleep', 'sleep', 'main'], lock: null },
  { name: 'illumos cond wait', stack: ['lwp_park', 'cond_wait_queue', 'cond_wait', 'worker'], lock: null },
  { name: 'epoll', stack: ['epoll_wait', 'loop', 'main'], lock: null },
  { name: 'read', stack: ['__GI___libc_read', 'read_all', 'main'], lock: null },
  { name: 'busy loop', stack: ['spin_forever', 'main'], lock: null },
  { name: 'unknown code over a futex', stack: ['futex_wait', 'my_private_queue_get', 'worker', 'main'], lock: null },
  // the structural rule: raw wait primitives only, then a lock-named caller within four named frames
  {
    name: 'a raw futex under a lock-named function (structural)',
    stack: ['futex_wait', 'my_private_lock', 'main'],
    lock: 'lock-shaped',
  },
  {
    name: 'raw syscall under an unnamed, then a runtime lock (structural)',
    stack: ['syscall', '??', 'rt::detail::wait_word', 'rt::SpinGuard::enter', 'main'],
    lock: 'lock-shaped',
  },
  {
    name: 'sched_yield loop under a spin lock (structural)',
    stack: ['sched_yield', 'foo::Backoff::pause', 'foo::TicketSpin::acquire', 'main'],
    lock: 'lock-shaped',
  },
  {
    name: 'raw syscall under a condition wait is no lock wait',
    stack: ['syscall', 'my_cond_wait_locked', 'main'],
    lock: null,
  },
  {
    name: 'raw syscall under an event loop is no lock wait',
    stack: ['syscall', 'epoll_wait', 'EventLoop::lockless_run'],
    lock: null,
  },
  {
    name: 'usleep under code that is not a lock, past the reach',
    stack: ['usleep', 'a', 'b', 'c', 'd', 'e_lock'],
    lock: null,
  },
  {
    name: 'a condition-variable wait under a lock-named caller is not structural',
    stack: ['futex_wait', 'pthread_cond_wait', 'my_lock'],
    lock: null,
  },
  {
    name: 'sanitizer spin mutex yielding',
    stack: [
      '__sanitizer::internal_sched_yield',
      '__sanitizer::StaticSpinMutex::LockSlow',
      '__sanitizer::StaticSpinMutex::Lock',
    ],
    lock: 'lock-wait',
  },
  {
    name: 'sanitizer mutex over a raw futex syscall',
    stack: ['syscall', '__sanitizer::FutexWait', '__sanitizer::Semaphore::Wait', '__sanitizer::Mutex::Lock'],
    lock: 'lock-wait',
  },
  {
    name: 'CPython GIL over PyCOND_TIMEDWAIT',
    stack: [
      '__futex_abstimed_wait_common',
      'pthread_cond_timedwait',
      'PyCOND_TIMEDWAIT',
      'take_gil',
      'PyEval_RestoreThread',
    ],
    lock: 'cv-lock',
  },
  {
    name: 'bthread mutex over a butex syscall',
    stack: [
      'syscall',
      'bthread::futex_wait_private',
      'bthread::butex_wait',
      'bthread::mutex_lock_contended_impl',
      'bthread_mutex_lock',
    ],
    lock: 'lock-wait',
  },
  {
    name: 'Ruby Mutex#lock: native_sleep over a cond wait under do_mutex_lock',
    stack: ['futex_wait', 'pthread_cond_wait', 'native_cond_sleep', 'native_sleep', 'do_mutex_lock', 'rb_mutex_lock'],
    lock: 'lock-wait',
  },
  {
    name: 'Ruby Kernel#sleep: native_sleep under sleep_forever is no lock wait',
    stack: [
      'futex_wait',
      'pthread_cond_wait',
      'native_cond_sleep',
      'native_sleep',
      'sleep_forever',
      'rb_thread_sleep_forever',
      'rb_f_sleep',
    ],
    lock: null,
  },
  {
    name: 'Ruby GVL',
    stack: ['futex_wait', 'pthread_cond_wait', 'gvl_acquire_common', 'gvl_acquire', 'thread_sched_to_running'],
    lock: 'cv-lock',
  },
  {
    name: 'HotSpot contended monitor',
    stack: [
      'futex_wait',
      'pthread_cond_wait',
      'os::PlatformEvent::park()',
      'ObjectMonitor::EnterI(JavaThread*)',
      'ObjectMonitor::enter(JavaThread*)',
    ],
    lock: 'cv-lock',
  },
  {
    name: 'HotSpot (JDK 8) Monitor::ILock parking on its event',
    stack: [
      'futex_wait',
      'pthread_cond_wait',
      'os::PlatformEvent::park()',
      'Monitor::ILock(Thread*)',
      'Monitor::lock(Thread*)',
    ],
    lock: 'lock-wait',
  },
  {
    name: 'HotSpot (JDK 17+) Mutex::lock_contended over pthread_mutex_lock',
    stack: [
      'futex_wait',
      '__lll_lock_wait',
      'pthread_mutex_lock',
      'os::PlatformMonitor::lock()',
      'Mutex::lock_contended(Thread*)',
    ],
    lock: 'lock-wait',
  },
  {
    name: 'Go runtime lock',
    stack: ['runtime.futex', 'runtime.futexsleep', 'runtime.lock2', 'runtime.lockWithRank'],
    lock: 'lock-wait',
  },
  {
    name: 'Go idle M (notesleep under stopm) is no lock wait',
    stack: ['runtime.futex', 'runtime.futexsleep', 'runtime.notesleep', 'runtime.stopm', 'runtime.findRunnable'],
    lock: null,
  },
  {
    name: 'a mutex wait recorded by rr (its preload library between libc and the kernel)',
    stack: [
      'syscall_traced',
      '_raw_syscall',
      'traced_raw_syscall',
      'syscall_hook_internal',
      '_syscall_hook_trampoline',
      '__morestack',
      'futex_wait',
      '__lll_lock_wait',
    ],
    lock: 'lock-wait',
  },
  {
    name: 'a read recorded by rr is no lock wait',
    stack: ['syscall_traced', '_raw_syscall', 'syscall_hook', '_syscall_hook_trampoline_48_3d_00_f0_ff_ff', 'read'],
    lock: null,
  },
  {
    name: 'a try-lock retried by its caller (libfabric ofi_monitors_add_cache)',
    stack: ['pthread_rwlock_trywrlock', 'ofi_monitors_add_cache', 'ofi_mr_cache_init'],
    lock: 'spin-delay',
  },
  {
    name: 'a try-lock under code that is no lock is no lock wait',
    stack: ['pthread_mutex_trylock', 'poll_queue', 'worker_main'],
    lock: null,
  },
  {
    name: 'pthread_cond_broadcast waiting for the old group to leave (glibc condvar)',
    stack: ['futex_wait', 'futex_wait_simple', '__condvar_quiesce_and_switch_g1', '___pthread_cond_broadcast'],
    lock: 'lock-wait',
  },
  {
    name: 'old glibc (before 2.20): pthread_once is assembly with its own futex call, innermost',
    stack: ['pthread_once', 'PR_CallOnce', 'child_setup', 'main'],
    lock: 'once-wait',
  },
  {
    name: 'pthread_once outward of its running initializer is no wait',
    stack: ['strlen', 'init_tables', 'pthread_once', 'main'],
    lock: null,
  },
  { name: 'only unnamed frames', stack: ['??', '??', '??'], lock: null },
  { name: 'a locking libc call at the top, running', stack: ['malloc', 'parse', 'main'], lock: null },
  {
    name: 'HotSpot Object.wait (a condition, not a lock)',
    stack: [
      '__pthread_cond_wait_common',
      '___pthread_cond_wait',
      'os::PlatformEvent::park()',
      'ObjectMonitor::wait(long, JavaThread*)',
      'ObjectSynchronizer::wait',
    ],
    lock: null,
  },
  { name: 'no frames', stack: [], lock: null },
];
for (const w of waits) {
  test(`lockWaitOf: ${w.name} → ${w.lock ?? 'not a lock wait'}`, () => {
    assert.equal(lockWaitOf(cv, frames(w.stack), 8)?.list ?? null, w.lock);
  });
}

test('condWaitOf: an untimed condition-variable wait or join; a timed one wakes by itself', () => {
  assert.equal(
    condWaitOf(
      cv,
      frames(['__futex_abstimed_wait_common64', '__pthread_cond_wait_common', '___pthread_cond_wait', 'queue_pop']),
      8,
    )?.index,
    1,
  );
  assert.equal(
    condWaitOf(
      cv,
      frames([
        '__futex_abstimed_wait_common64',
        '__pthread_cond_wait_common',
        '___pthread_cond_timedwait64',
        'queue_pop',
      ]),
      8,
    ),
    null,
  );
  assert.equal(
    condWaitOf(cv, frames(['__futex_abstimed_wait_common64', '__pthread_clockjoin_ex', 'main']), 8)?.list,
    'cond-wait',
  );
  // libgomp: futex_wait under do_wait (a primitive) under its barriers
  assert.deepEqual(
    condWaitOf(
      cv,
      frames(['futex_wait', 'do_wait', 'gomp_barrier_wait_end', 'gomp_simple_barrier_wait', 'gomp_team_start']),
      8,
    ),
    { index: 2, list: 'barrier-wait' },
  );
  assert.equal(condWaitOf(cv, frames(['epoll_wait', 'loop']), 8), null);
  assert.equal(condWaitOf(cv, frames(['__lll_lock_wait', 'pthread_mutex_lock', 'f']), 8), null);
});

test('lockWaitOf: the deciding frame must lie within the depth given', () => {
  assert.equal(lockWaitOf(cv, frames(['??', '??', '??', 'pthread_mutex_lock']), 3), null);
  assert.equal(lockWaitOf(cv, frames(['??', '??', '??', 'pthread_mutex_lock']), 4)?.index, 3);
});

test('lockNameOf: the symbol gdb prints in a pointer argument, at or just below the lock wait', () => {
  const name = (spec: string[]) => {
    const f = frames(spec);
    return lockNameOf(f, lockWaitOf(cv, f, 8)!);
  };
  assert.equal(name(['__lll_lock_wait_private|futex=0x7f8e2a3f6c80 <main_arena>', 'malloc|bytes=32816']), 'main_arena');
  assert.equal(
    name([
      'futex_wait|private=0, expected=2, futex_word=0x5618a3b501c0 <held_lock>',
      '__GI___lll_lock_wait|futex=futex@entry=0x5618a3b501c0 <held_lock>, private=0',
    ]),
    'held_lock',
  );
  assert.equal(
    name([
      '__lll_lock_wait|futex=0x7f1 <_rtld_global+2312>, private=0',
      '___pthread_mutex_lock|mutex=0x7f1 <_rtld_global+2312>',
    ]),
    '_rtld_global+2312',
  );
  assert.equal(
    name(['__lll_lock_wait|futex=0x7f1, private=0', '___pthread_mutex_lock|mutex=0x55 <file_lock>', 'lock_file|']),
    'file_lock',
  );
  assert.equal(
    name(['__lll_lock_wait|futex=0x7f1, private=0', '___pthread_mutex_lock|mutex=0x55']),
    null,
    'no symbol printed',
  );
  assert.equal(name(['??', 'pthread_mutex_lock']), null, 'no arguments printed (eu-stack, stripped)');
});

test('vocabulary files: a later file extends a list; a frame pattern names lists; unknown lists and role clashes are errors', () => {
  const ok = parseSignatureText(
    `version: 1
vocabulary:
  lock-wait:
    role: lock
    names: ['my_libc_mutex_wait']
  my-waits:
    role: not-lock
    names: ['my_event_wait']
signatures:
  - id: mine
    title: t
    description: d
    severity: critical
    rules: [{ lockWait: true, frames: [{ vocab: [lock-wait] }, { fn: my_child_hook }] }, { frames: [{ vocab: [any-lock] }] }]
`,
    '/x/mine.yaml',
  );
  assert.deepEqual(ok.errors, []);
  const sig = ok.signatures[0]!;
  assert.ok(sig.vocabulary!['lock-wait']!.names.includes('my_libc_mutex_wait'), 'extended');
  assert.ok(sig.vocabulary!['lock-wait']!.names.includes('lll_lock_wait(?:_private)?'), 'shipped names kept');
  const bad = parseSignatureText(
    `version: 1
vocabulary:
  lock-wait:
    role: not-lock
    names: ['x']
  broken:
    role: lock
    names: ['(a']
signatures:
  - id: mine
    title: t
    description: d
    severity: critical
    rules: [{ frames: [{ vocab: [no-such-list] }] }]
`,
    '/x/bad.yaml',
  );
  const messages = bad.errors.map((e) => `${e.field}: ${e.message}`).join('\n');
  assert.match(messages, /rules\[0\]\.frames\[0\]\.vocab: unknown vocabulary list "no-such-list"/);
  assert.match(messages, /vocabulary: list "lock-wait" has role "not-lock" here but "lock"/);
  assert.match(messages, /vocabulary\.broken\.names\[0\]: invalid regex/);
  const reserved = parseSignatureText(
    `version: 1\nvocabulary:\n  any-mine:\n    role: lock\n    names: ['x']\n`,
    '/x/r.yaml',
  );
  assert.match(reserved.errors.map((e) => e.message).join('\n'), /"any-…" names are reserved/);
});

test('lockWaitOf: FreeBSD, NetBSD, OpenBSD, Android, AIX, LinuxThreads and libdispatch lock waits under their kernel waits; their cond waits and joins are none', () => {
  const waits: [string, string[], number | null][] = [
    [
      'FreeBSD mutex',
      ['_umtx_op_err', '__thr_umutex_lock', 'mutex_lock_sleep', 'mutex_lock_common', '__Tthr_mutex_lock', 'log_line'],
      1,
    ],
    [
      'FreeBSD rtld lock (dlopen, lazy binding)',
      [
        '_umtx_op_err',
        '__thr_rwlock_wrlock',
        '_thr_rwl_wrlock',
        '_thr_rtld_wlock_acquire',
        'wlock_acquire',
        '_rtld_bind',
      ],
      1,
    ],
    [
      'FreeBSD rtld default lock (no libthr)',
      ['__sys_sigprocmask', 'def_lock_acquire', 'def_wlock_acquire', 'wlock_acquire', 'dlopen'],
      1,
    ],
    [
      'FreeBSD stdio spin lock',
      ['_umtx_op_err', '__thr_umutex_lock', '__thr_spinlock', '_spinlock', '_flockfile', 'fputs'],
      1,
    ],
    ['NetBSD mutex', ['___lwp_park60', 'pthread__park', 'pthread__mutex_lock_slow', 'child_log'], 2],
    ['OpenBSD mutex', ['futex', '_twait', '_rthread_mutex_timedlock', 'child_log'], 2],
    [
      'Android bionic mutex',
      [
        'syscall',
        '__futex_wait_ex(void volatile*, bool, int, bool, timespec const*)',
        'NonPI::MutexLockWithTimeout(pthread_mutex_internal_t*, bool, timespec const*)',
        'pthread_mutex_lock',
        'localtime_r',
      ],
      2,
    ],
    ['Android (old) mutex', ['__futex_syscall4', '__pthread_mutex_lock_with_timeout', 'pthread_mutex_lock'], 1],
    [
      'FreeBSD cond wait',
      ['_umtx_op_err', '_thr_ucond_wait', 'cond_wait_kernel', 'cond_wait_common', '__thr_cond_wait', 'worker'],
      null,
    ],
    ['FreeBSD join', ['_umtx_op_err', '_thr_umtx_wait_uint', 'join_common', 'main'], null],
    [
      "NSPR's PR_CallOnce waiting for another thread's initializer (a cond wait under it)",
      ['futex_wait', '__pthread_cond_wait', 'pthread_cond_wait', 'PR_WaitCondVar', 'PR_CallOnce', 'NSS_Init'],
      4,
    ],
    [
      "GLib's g_once waiting for another thread's initializer",
      ['syscall', 'g_cond_wait', 'g_once_impl', 'get_type_registry'],
      2,
    ],
    ['a cond wait under an ordinary NSPR caller', ['pthread_cond_wait', 'PR_WaitCondVar', 'worker_loop'], null],
    ['FreeBSD kevent', ['_kevent', 'event_loop'], null],
    ['a thread in sigprocmask under ordinary code', ['__sys_sigprocmask', 'block_signals', 'main'], null],
    [
      'LinuxThreads mutex (sigsuspend under __pthread_wait_for_restart_signal)',
      ['sigsuspend', '__pthread_wait_for_restart_signal', '__pthread_alt_lock', 'pthread_mutex_lock', 'malloc'],
      2,
    ],
    [
      'LinuxThreads cond wait',
      ['sigsuspend', '__pthread_wait_for_restart_signal', 'pthread_cond_wait', 'worker'],
      null,
    ],
    ['a sigsuspend of its own (a signal wait, not a lock)', ['sigsuspend', 'wait_for_signal', 'main'], null],
    ['AIX mutex', ['_event_sleep', '_event_wait', '_mutex_lock', 'pthread_mutex_lock', 'log_line'], 2],
    [
      'AIX mutex on its global lock word',
      ['_event_sleep', '_event_wait', '_global_lock_common', '_mutex_lock', 'log_line'],
      2,
    ],
    ['AIX cond wait', ['_event_sleep', '_event_wait', '_cond_wait_local', '_cond_wait', 'pthread_cond_wait'], null],
    ['AIX sleep', ['_p_nsleep', 'nsleep', 'sleep', 'main'], null],
    [
      'FreeBSD kernel stack (procstat -kk) of a mutex wait',
      [
        'mi_switch',
        'sleepq_catch_signals',
        'sleepq_wait_sig',
        '_sleep',
        'umtxq_sleep',
        'do_lock_umutex',
        '__umtx_op_wait_umutex',
        'amd64_syscall',
      ],
      5,
    ],
    [
      'FreeBSD kernel stack of a condition wait',
      [
        'mi_switch',
        'sleepq_catch_signals',
        'sleepq_wait_sig',
        '_sleep',
        'umtxq_sleep',
        'do_cv_wait',
        '__umtx_op_cv_wait',
      ],
      null,
    ],
    [
      "macOS 10.14+ dispatch_sync: kevent_id under libdispatch's wait for the queue's ownership",
      ['kevent_id', '_dispatch_event_loop_wait_for_ownership', '__DISPATCH_WAIT_FOR_QUEUE__', '_dispatch_sync_f_slow'],
      1,
    ],
    [
      "libdispatch's manager thread polling its kqueue (idle)",
      ['kevent_qos', '_dispatch_kq_poll', '_dispatch_mgr_invoke', '_dispatch_workloop_worker_thread'],
      null,
    ],
    ['an event loop of its own in kevent', ['kevent', 'run_loop', 'main'], null],
    [
      "boost::shared_mutex, a lock built on Boost's condition variable",
      [
        'pthread_cond_wait@@GLIBC_2.3.2',
        'boost::condition_variable::wait(boost::unique_lock<boost::mutex>&)',
        'boost::shared_mutex::lock_shared()',
        'Registry::lookup(int)',
      ],
      2,
    ],
    [
      'a templated std::condition_variable wait with a predicate (a condition, not a lock)',
      [
        'pthread_cond_wait@@GLIBC_2.3.2',
        'std::condition_variable::wait<Worker::run()::{lambda()#1}>(std::unique_lock<std::mutex>&, Worker::run()::{lambda()#1})',
        'Worker::run()',
      ],
      null,
    ],
    [
      "Go's runtime lock on macOS (semasleep's pthread_cond_wait through the libc trampoline)",
      [
        '__psynch_cvwait',
        '_pthread_cond_wait',
        'runtime.pthread_cond_wait_trampoline',
        'runtime.asmcgocall',
        'runtime.semasleep',
        'runtime.lock2',
        'runtime.mallocgc',
      ],
      5,
    ],
    [
      'an idle Go M on macOS (notesleep under stopm)',
      [
        '__psynch_cvwait',
        '_pthread_cond_wait',
        'runtime.pthread_cond_wait_trampoline',
        'runtime.asmcgocall',
        'runtime.semasleep',
        'runtime.notesleep',
        'runtime.stopm',
      ],
      null,
    ],
    [
      'Linux kernel stack (/proc/PID/stack): a futex wait says nothing alone',
      ['futex_wait_queue_me', 'futex_wait', 'do_futex', '__x64_sys_futex', 'do_syscall_64'],
      null,
    ],
  ];
  for (const [what, spec, index] of waits) assert.equal(lockWaitOf(cv, frames(spec), 16)?.index ?? null, index, what);
});

test('lockWaitOf: unnamed libc frames (no debug symbols) are a raw wait, so a lock-named caller decides; unnamed frames elsewhere are not', () => {
  const unnamedIn = (module: string | null): Frame => ({
    fn: null,
    normalized: null,
    module,
    offset: null,
    address: '0x7f00',
  });
  const named = (fn: string): Frame => ({
    fn,
    normalized: normalizeFunctionName(fn),
    module: null,
    offset: null,
    address: '0x5600',
  });
  const inLibc = [
    unnamedIn('/lib64/libc.so.6'),
    unnamedIn('/lib64/libc.so.6'),
    named('k5_mutex_lock'),
    named('krb5_init_context'),
  ];
  assert.equal(lockWaitOf(cv, inLibc, 16)?.index, 2);
  assert.equal(lockWaitOf(cv, [unnamedIn('/lib/ld-musl-x86_64.so.1'), named('k5_mutex_lock')], 16)?.index, 1);
  assert.equal(lockWaitOf(cv, [unnamedIn(null), named('k5_mutex_lock')], 16), null);
  assert.equal(lockWaitOf(cv, [unnamedIn('/usr/lib/libfoo.so'), named('k5_mutex_lock')], 16), null);
  assert.equal(lockWaitOf(cv, [unnamedIn('/lib64/libc.so.6'), named('queue_cond_wait_unlocked')], 16), null);
});
