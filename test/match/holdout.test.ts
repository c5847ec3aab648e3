/**
 * The held-out validation set (test/fixtures/stacks/holdout): real dumps from
 * public reports that the parsers and signatures are never tuned against (see
 * its README). It measures issue 13's goal on dumps the project has not seen:
 *
 * - at least 90% of the hung post-fork children named a deadlock as pasted,
 *   and at least 95% with { forkedChild: true };
 * - none of the clear non-deadlocks named one (the real deadlocks without a
 *   fork, kind abba / self-deadlock, only never get a fork name);
 * - every parent stuck in a prepare handler that is named at all is named as a
 *   prepare-handler hang.
 *
 * Judging is shared with the public corpus test (corpus-verdicts.ts). The
 * summary printed after the tests gives the rates and the misses grouped by
 * reason and parsed format; HOLDOUT_DETAILS=1 adds one line per missed dump
 * (for whoever measures, not for tuning).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heldOutTests } from './holdout-suite.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/stacks');

/**
 * Issue 13's goal is 90% as pasted and 95% with forkedChild; measured here on
 * 2026-12-06 after the readers and the vocabulary were generalised: 17/25 and
 * 18/25; then, the same day, after the vocabulary was broadened from the
 * libraries' own sources (old macOS spin locks, glibc's inlined lock macros,
 * library and runtime lock wrappers) and the sample, gdb and lenient readers
 * were made more tolerant (spindump, coredumpctl, py-spy, faulthandler):
 * 19/25 and 20/25; then, on branch dumps, after more general readers and
 * vocabulary (reflowed or joined gdb/lldb frames, backtrace_symbols, boost::stacktrace
 * lines, barrier and once waits, idle workqueue threads not counted, the
 * Python logging lock): 19/25 and 20/25 again, unchanged; then, on branch
 * dumps3, after glibc's condvar quiescence and try-lock loops became lock
 * waits, rr's syscall path a wait primitive, gdb frames kept their argument
 * text and one inline-code span around a gdb paste was read: 19/25 and 20/25,
 * unchanged (six dumps found for the tuning corpus were dropped unread: the
 * held-out set has them); then, after text copied from the web (no-break
 * spaces, HTML entities, markdown list markers) was read as printed: 19/25
 * and 20/25, unchanged (the misses are vocabulary, not formats); then, after
 * the Android (debuggerd) reader; Breakpad, Firefox, pystack, bpftrace and
 * VS Code frames and py-spy's pseudo-files in the lenient reader; logcat and
 * glog prefixes; the BSD and bionic lock vocabulary and the Python import
 * lock: 19/25 and 20/25, unchanged; then, after mangled C++ and Rust names
 * were demangled (backtrace_symbols, JDK 8 jstack -m), once-initializers built
 * on condition variables and the JDK's other pre-exec paths: 19/25 and 20/25,
 * unchanged; then, after a lock wait under child-only code became a deadlock
 * whatever else the paste holds (lock-wait-in-child-code, a wider child
 * list), glibc's atfork parent handlers got their own name, and pastes of
 * several processes were judged one process at a time: 19/25 and 20/25,
 * unchanged; then, after the dbx (Solaris, AIX) and jstack readers, AIX
 * procstack, FreeBSD procstat and kernel umtx waits, LinuxThreads, pasted
 * command lines as process boundaries, Python 2's RLock and Python lock
 * frames, macOS's allocator, OpenMP and OpenBLAS pools lost across fork and
 * more libc locking calls: 19/25 and 20/25, unchanged; then, after
 * double-spaced pastes, code fences / `<pre>` / Jira `{code}` glued to a
 * dump's first or last line, `<br>`-joined lines and an issue importer's
 * `#<span></span>N` were read as printed, a paste's own `child:` label was
 * made to judge that process as a forked child, and a forked child still in
 * subprocess's _execute_child was named: 19/25 and 20/25, unchanged; then,
 * after a forked child still inside fork()'s child-side handlers (a spin, a
 * sleep loop: no lock wait to see) was named in forked-child mode, and as
 * pasted where a macOS sample or spindump shows every sample there: 20/25
 * and 21/25; then (2026-12-07), after kernel stacks (/proc/PID/stack) were
 * read, a Python frame's source line became matchable (`with self._lock:`),
 * Ruby backtraces and the VM's deadlock report were read, gdb was detected
 * only by its frame lines, a py-bt after gdb's stop line joined its thread,
 * and 71 more public dumps were added to the tuning corpus: 20/25 and 21/25,
 * unchanged.
 * The goal is NOT met (issue 13 stays open). These floors
 * are that measurement: a change that names fewer held-out children fails
 * here; one that names more raises them. The figures print after the run.
 */
heldOutTests({
  dir: join(FIXTURES, 'holdout'),
  apartFrom: [join(FIXTURES, 'public')],
  least: { dumps: 30, children: 25, prepare: 1, none: 5 },
  floors: { asPasted: 20, forkedChild: 21 },
});
