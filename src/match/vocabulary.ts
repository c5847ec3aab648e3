/**
 * The vocabulary: named lists of normalized frame names that every signature
 * shares (signatures/vocabulary.yaml; docs/signatures.md). A list is data, a
 * role and regexes; this file merges lists across files (a later file
 * extends a list), compiles each list to one anchored RE2 alternation, and
 * answers the questions the matcher and the fingerprint ask of a frame:
 * which lists hold it, and whether a thread is blocked in a lock wait.
 */
import type { Frame } from '../capture/types.js';
import { compileSafeRegex, type SafeRegex } from '../util/safe-regex.js';
import type { Vocabulary, VocabularyList, VocabularyRole } from './types.js';

/** Same bound as the matcher's: a name longer than this is tested on its start. */
const MAX_NAME = 1024;

export interface CompiledVocabulary {
  lists: Map<string, { role: VocabularyRole; re: SafeRegex }>;
  /** name → the lists that hold it, for names already asked about (bounded). */
  memo: Map<string, string[]>;
}

/** Names remembered per vocabulary: a dump repeats its names, a hostile one cannot grow this past the bound. */
const MEMO_MAX = 4096;
const compiledCache = new WeakMap<Vocabulary, CompiledVocabulary>();

/** Add `more` to `into` (lists of the same name are extended; the first file's role wins, a differing one is an error). */
export function mergeVocabulary(into: Vocabulary, more: Vocabulary): string[] {
  const errors: string[] = [];
  for (const [name, list] of Object.entries(more)) {
    const have = into[name];
    if (!have) {
      into[name] = { ...list, names: [...list.names], sources: [...list.sources] };
    } else if (have.role !== list.role) {
      errors.push(`list "${name}" has role "${list.role}" here but "${have.role}" in ${have.sources.join(', ')}`);
    } else {
      have.names.push(...list.names.filter((n) => !have.names.includes(n)));
      have.sources.push(...list.sources);
    }
  }
  return errors;
}

/** Each list compiles once per vocabulary (one anchored RE2 alternation); signatures share them. */
export function compileVocabulary(vocab: Vocabulary): CompiledVocabulary {
  const cached = compiledCache.get(vocab);
  if (cached) return cached;
  const lists = new Map<string, { role: VocabularyRole; re: SafeRegex }>();
  for (const [name, list] of Object.entries(vocab)) {
    lists.set(name, { role: list.role, re: compileSafeRegex(alternation(list), { whole: true, maxInput: MAX_NAME }) });
  }
  const compiled = { lists, memo: new Map<string, string[]>() };
  compiledCache.set(vocab, compiled);
  return compiled;
}

/** `any-lock`, `any-prepare`, …: every list of that role (what a signature names when any lock wait will do). */
export const ANY_ROLE_PREFIX = 'any-';

/** The list names a reference stands for: itself, or every list of a role for `any-<role>`; empty when unknown. */
export function expandListName(vocab: Vocabulary, name: string): string[] {
  if (Object.hasOwn(vocab, name)) return [name];
  if (!name.startsWith(ANY_ROLE_PREFIX)) return [];
  const role = name.slice(ANY_ROLE_PREFIX.length);
  return Object.entries(vocab)
    .filter(([, l]) => l.role === role)
    .map(([n]) => n);
}

/** The concrete lists these references stand for (the loader has checked them; an unknown one throws). */
export function listsOf(cv: CompiledVocabulary, vocab: Vocabulary, names: readonly string[]): string[] {
  return names.flatMap((n) => {
    const lists = expandListName(vocab, n);
    if (lists.length === 0 || lists.some((l) => !cv.lists.has(l))) throw new Error(`unknown vocabulary list ${n}`);
    return lists;
  });
}

/** The lists that hold this normalized name. */
export function listsHolding(cv: CompiledVocabulary, name: string): string[] {
  let found = cv.memo.get(name);
  if (found) return found;
  found = [];
  let parts: string[] | null = null;
  for (const [list, { role, re }] of cv.lists) {
    if (role === 'lock-word' || role === 'not-lock-word') {
      parts ??= wordParts(name);
      if (parts.some((p) => re.test(p))) found.push(list);
    } else if (re.test(name)) found.push(list);
  }
  // A name with a word that says "not a lock" (unlock, cond, poll, read) is in no lock-word list.
  if (found.some((l) => cv.lists.get(l)!.role === 'not-lock-word'))
    found = found.filter((l) => cv.lists.get(l)!.role !== 'lock-word');
  if (cv.memo.size >= MEMO_MAX) cv.memo.clear();
  cv.memo.set(name, found);
  return found;
}

/** Is the name in this list? */
export function inList(cv: CompiledVocabulary, list: string, name: string | null): boolean {
  return name !== null && listsHolding(cv, name).includes(list);
}

/** Parts of a name looked at by word (lock-word lists): at most this many. */
const MAX_PARTS = 32;

/**
 * The lower-case word parts of a name: split at anything not a letter
 * (`_`, `::`, `.`, digits) and at camelCase humps, so `BlockingMutex::LockSlow`
 * is blocking, mutex, lock, slow, `GVLAcquire` is gvl, acquire, `runtime.lock2`
 * is runtime, lock and `PyThread_acquire_lock` never contains `read`.
 */
export function wordParts(name: string): string[] {
  const spaced = name
    .slice(0, MAX_NAME)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  return spaced
    .split(/[^A-Za-z]+/)
    .filter((p) => p.length > 0)
    .slice(0, MAX_PARTS)
    .map((p) => p.toLowerCase());
}

function alternation(list: VocabularyList): string {
  return list.names.map((n) => `(?:${n})`).join('|');
}

/** Does the (normalized) name belong to a list of this role? */
export function hasRole(cv: CompiledVocabulary, role: VocabularyRole, name: string | null): boolean {
  if (name === null) return false;
  return listsHolding(cv, name).some((l) => cv.lists.get(l)!.role === role);
}

export interface LockWait {
  /** Index of the deciding frame (the innermost frame of a `lock` list). */
  index: number;
  /** The list it belongs to (`lock-wait`, `rwlock-wait`, ...). */
  list: string;
}

/**
 * Is the thread blocked in a lock wait? Walk outward from the innermost frame
 * (at most `depth` frames): unnamed frames and wait primitives (futex_wait,
 * lwp_park, __ulock_wait) do not decide; the first other frame does. A frame
 * of a `lock` list → a lock wait; a condition-variable wait → a lock wait only
 * when the next deciding frame is a lock built on it (Python's GIL:
 * pthread_cond_wait under take_gil); an unnamed frame right above an exported
 * libc function that takes an internal lock (localtime, malloc, fputs, dlopen:
 * the `locking-call` list) → that lock's wait, unnamed for want of libc debug
 * symbols; anything else (I/O, sleep, or code that is neither) → not one. A cond wait re-taking its mutex
 * (pthread_mutex_cond_lock above pthread_cond_wait) is a lock wait: the lock
 * frame comes first.
 */
export function lockWaitOf(cv: CompiledVocabulary, frames: readonly Frame[], depth: number): LockWait | null {
  const last = Math.min(frames.length, depth);
  let raw = false; // only raw wait primitives (syscall, futex, sched_yield, usleep) so far, and at least one
  let onlyRaw = true;
  for (let i = 0; i < last; i++) {
    const name = frames[i]!.normalized;
    if (name === null) {
      // An unnamed frame in libc is one of its internals, the futex wait among them (no debug symbols): a raw wait.
      if (frames[i]!.module !== null && LIBC_MODULE.test(frames[i]!.module!)) raw = true;
      continue;
    }
    if (hasRole(cv, 'primitive', name) || eventWaitUnderWait(cv, frames, i, last)) {
      raw = true;
      continue;
    }
    const lists = listsHolding(cv, name);
    const list = lists.find((l) => cv.lists.get(l)!.role === 'lock');
    if (list !== undefined) return { index: i, list };
    // Without libc debug symbols a libc-internal lock's wait is unnamed, right above the exported function that took it.
    const locking = lists.find((l) => cv.lists.get(l)!.role === 'locking-call');
    if (locking !== undefined && i > 0 && frames[i - 1]!.normalized === null) return { index: i, list: locking };
    if (lists.includes(SLEEP_LIST)) {
      raw = true;
      continue;
    }
    if (lists.some((l) => cv.lists.get(l)!.role === 'cond')) {
      onlyRaw = false;
      continue;
    }
    return raw && onlyRaw ? lockShapedCaller(cv, frames, i, last) : null;
  }
  return null;
}

/**
 * An event wait that is only how a thread library blocks: LinuxThreads
 * (glibc before 2.4, uClibc) parks every mutex, condition and join wait in
 * sigsuspend under __pthread_wait_for_restart_signal, a wait primitive;
 * libdispatch (macOS 10.14+) waits for a serial queue's ownership in
 * kevent_id under _dispatch_event_loop_wait_for_ownership, a lock wait
 * (dispatch_sync onto a queue another thread drains). Such a wait (a signal
 * wait, or libdispatch's kevent_id / kevent_qos) right under a named
 * primitive or lock frame is raw too: the frame outward of it decides.
 */
function eventWaitUnderWait(cv: CompiledVocabulary, frames: readonly Frame[], i: number, last: number): boolean {
  if (!EVENT_WAIT.test(frames[i]!.normalized!)) return false;
  for (let j = i + 1; j < last; j++) {
    const next = frames[j]!.normalized;
    if (next !== null) return hasRole(cv, 'primitive', next) || hasRole(cv, 'lock', next);
  }
  return false;
}

const EVENT_WAIT = /^(?:sigsuspend|pause|sigwaitinfo|sigtimedwait|rt_sigsuspend|libc_sigsuspend|kevent_id|kevent_qos)$/;

/** libc and its thread library: glibc's, musl's, FreeBSD's libthr, OpenBSD's librthread (the module of an unnamed frame, as gdb's `from` prints it). */
const LIBC_MODULE = /(?:^|\/)(?:libc|libpthread|libthr|librthread|ld-musl[^/]{0,64})[.-][^/]{0,64}$/;

/** The vocabulary list of sleeping and yielding (raw waits like the primitives, for the structural rule). */
const SLEEP_LIST = 'sleep';
/** How many named frames outward of a raw wait the structural rule looks for a lock-named caller. */
const SHAPE_REACH = 4;

/**
 * The structural rule (docs/signatures.md, "Lock-shaped callers"): under raw
 * wait primitives only (syscall, futex, sched_yield, usleep), a caller within
 * SHAPE_REACH named frames whose name has a lock word (lock, mutex, spin,
 * acquire, gil, gvl, park, butex, latch: the `lock-word` lists) and no
 * not-lock word (unlock, cond, poll, read: `not-lock-word`) is a lock wait
 * that no list names yet (a runtime's own spin lock or mutex). A frame of a
 * `cond` or `not-lock` list, or a not-lock word, on the way says no.
 */
function lockShapedCaller(
  cv: CompiledVocabulary,
  frames: readonly Frame[],
  from: number,
  last: number,
): LockWait | null {
  let seen = 0;
  for (let i = from; i < last && seen < SHAPE_REACH; i++) {
    const name = frames[i]!.normalized;
    if (name === null) continue;
    seen++;
    const lists = listsHolding(cv, name);
    const roles = lists.map((l) => cv.lists.get(l)!.role);
    if (roles.includes('not-lock-word') || roles.includes('cond') || roles.includes('not-lock')) return null;
    const word = lists.find((l) => cv.lists.get(l)!.role === 'lock-word');
    if (word !== undefined) return { index: i, list: word };
  }
  return null;
}

/** The lists of waits with no time-out that only another thread of the process ends. */
const UNTIMED_WAITS = ['cond-wait', 'barrier-wait'];

/**
 * Does the thread wait on a condition variable, a join or a barrier with no
 * time-out? Outward from the innermost frame, past unnamed frames and wait
 * primitives: frames of `cond-wait` or `barrier-wait`, then code. A
 * `timed-wait` frame in that run (it wakes by itself), or any other wait
 * first, says no. Only another thread of the process can end such a wait.
 */
export function condWaitOf(cv: CompiledVocabulary, frames: readonly Frame[], depth: number): LockWait | null {
  const last = Math.min(frames.length, depth);
  let first: LockWait | null = null;
  for (let i = 0; i < last; i++) {
    const name = frames[i]!.normalized;
    if (name === null || hasRole(cv, 'primitive', name)) continue;
    const lists = listsHolding(cv, name);
    // a sleep under the wait is how it blocks (the FreeBSD kernel's _sleep under a umtx condition wait)
    if (first === null && lists.includes(SLEEP_LIST)) continue;
    if (lists.includes('timed-wait')) return null;
    const list = UNTIMED_WAITS.find((l) => lists.includes(l));
    if (list !== undefined) {
      if (first === null) first = { index: i, list };
      continue;
    }
    break;
  }
  return first;
}

/** gdb prints a pointer argument's symbol: `futex=0x7f… <main_arena>`, `mutex=0x… <file_lock>`, `<_rtld_global+2312>`. */
const SYMBOL_IN_ARGS = /<([A-Za-z_.$][\w.$@]{0,127}(?:\+\d{1,10})?)>/;
const MAX_ARGS = 2048;
/** Frames outward of the deciding lock frame whose arguments may still name the lock (malloc's `av=`, the mutex's caller). */
const LOCK_NAME_REACH = 3;

/** The lock's name where a frame at or just outward of the lock wait prints it; null otherwise. */
export function lockNameOf(frames: readonly Frame[], wait: LockWait): string | null {
  const last = Math.min(frames.length, wait.index + 1 + LOCK_NAME_REACH);
  for (let i = 0; i < last; i++) {
    const args = frames[i]!.args;
    if (!args) continue;
    const m = SYMBOL_IN_ARGS.exec(args.slice(0, MAX_ARGS));
    if (m) return m[1]!;
  }
  return null;
}
