/**
 * Function-name normalization for matching. The same function prints
 * differently by tool, libc build and symbol availability:
 *   __GI___lll_lock_wait, __lll_lock_wait      → lll_lock_wait
 *   __pthread_mutex_lock@GLIBC_2.2.5           → pthread_mutex_lock
 *   __libc_start_main@@GLIBC_2.34              → libc_start_main
 *   foo.isra.0.part.3, foo.cold, foo [clone .constprop.0] → foo
 *   runtime.futex.abi0 (Go's assembly ABI marker) → runtime.futex
 *   mutex_lock_impl+0x163, mutex_lock_impl + 291 → mutex_lock_impl
 *   SpinLock::SlowLock() (demangled, eu-stack) → SpinLock::SlowLock
 *   outer [inlined] take_lock (lldb's inlined-frame marker) → take_lock
 *   pthread_mutex_lock$VARIANT$mp, read$NOCANCEL$UNIX2003 (macOS libc variants) → pthread_mutex_lock, read
 *   std::sys::..::Mutex::lock_contended::h0123456789abcdef (Rust legacy hash) → std::sys::..::Mutex::lock_contended
 *   _ZN7Monitor5IWaitEP6Threadl (mangled: backtrace_symbols, jstack --mixed) → Monitor::IWait (demangle.ts)
 * Signature regexes are written against the normalized form; the printed name
 * is kept beside it (Frame.fn). Every step is a bounded, anchored regex.
 */

import { demangle, MAX_SYMBOL_LENGTH } from './demangle.js';
import { lastGroupOpen } from './groups.js';

/** Names longer than this are cut before normalizing (C++ templates can be huge). */
export const MAX_NAME_LENGTH = 512;

/** No name: gdb's `??`, systemd-coredump's `n/a`, perf's `[unknown]`. */
const UNKNOWN_NAME = /^(?:\?+|n\/a|\[unknown\])$/;
const INLINED = '[inlined] ';
const CLONE_SUFFIX = /(?: \[clone \.[\w.]{1,64}\])+$/;
const OFFSET_SUFFIX = /\s?\+\s?(?:0x)?[0-9a-fA-F]{1,16}$/;
const VERSION_SUFFIX = /@@?[\w.]{1,64}$/;
/** macOS libSystem exports variants of one function under suffixed symbols (`$VARIANT$mp`, `$UNIX2003`, `$NOCANCEL`, `$INODE64`). */
const DARWIN_VARIANT_SUFFIX = /(?:\$(?:VARIANT\$\w{1,32}|UNIX2003|NOCANCEL|INODE64|DARWIN_EXTSN|LEGACY|1050)){1,4}$/;
/** Rust's legacy mangling ends each path in a hash, `::h` and 16 hex digits, which tools print after demangling. */
const RUST_HASH_SUFFIX = /::h[0-9a-f]{16}$/;
const COMPILER_SUFFIX =
  /(?:\.(?:part|isra|constprop|cold|lto_priv|localalias|llvm|specialized|abi0|abiinternal)(?:\.\d{1,20})?){1,8}$/;
const GI_PREFIX = /^_{0,3}GI_/;
const MANGLED_START = /^_{1,2}Z/;
const LEADING_UNDERSCORES = /^_{1,8}(?=[^_])/;

/**
 * Names already normalized: a dump repeats the same few hundred names over
 * every thread (a JVM's 400 threads share their frames), so each is worked out
 * once. Bounded: cleared when full, and only names up to MEMO_NAME_LENGTH
 * characters are kept (a hostile dump of unique names only clears it).
 */
const memo = new Map<string, string | null>();
const MEMO_MAX = 4096;
const MEMO_NAME_LENGTH = 256;

/** Normalize a printed function name; null for no name (`??`, `????????`, empty). */
export function normalizeFunctionName(name: string | null | undefined): string | null {
  if (name === null || name === undefined) return null;
  if (name.length > MEMO_NAME_LENGTH) return normalizeName(name);
  let n = memo.get(name);
  if (n === undefined) {
    n = normalizeName(name);
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(name, n);
  }
  return n;
}

function normalizeName(name: string): string | null {
  let n = demangled(name.trim()).slice(0, MAX_NAME_LENGTH);
  if (n === '' || UNKNOWN_NAME.test(n)) return null;
  const inlined = n.lastIndexOf(INLINED);
  if (inlined >= 0 && inlined + INLINED.length < n.length) n = n.slice(inlined + INLINED.length).trim();
  n = n.replace(CLONE_SUFFIX, '');
  n = n.replace(OFFSET_SUFFIX, '');
  n = n.replace(VERSION_SUFFIX, '');
  n = n.replace(DARWIN_VARIANT_SUFFIX, '');
  n = stripParameterList(n);
  n = n.replace(RUST_HASH_SUFFIX, '');
  n = n.replace(COMPILER_SUFFIX, '');
  n = n.replace(GI_PREFIX, '');
  n = n.replace(LEADING_UNDERSCORES, '');
  return n === '' ? name.trim().slice(0, MAX_NAME_LENGTH) : n;
}

/** A mangled name (with an offset or a symbol version after it) as c++filt prints it; any other name as it is. */
function demangled(name: string): string {
  if (!MANGLED_START.test(name)) return name;
  const symbol = name.slice(0, MAX_SYMBOL_LENGTH).replace(OFFSET_SUFFIX, '').replace(VERSION_SUFFIX, '');
  return demangle(symbol) ?? name;
}

/** Drop a demangled C++ parameter list: `ns::f(int, char const*) const` → `ns::f`. */
function stripParameterList(n: string): string {
  const body = n.endsWith(' const') ? n.slice(0, -6) : n;
  const open = lastGroupOpen(body);
  if (open < 0) return n;
  const head = body.slice(0, open);
  // `operator()` itself, a bare "(anonymous namespace)", or nothing left: keep as printed.
  return head === '' || head.endsWith('operator') ? n : head;
}
