/**
 * gdb backtraces: `bt` and `thread apply all bt`, and the gdb-based
 * `gstack` / Linux `pstack` scripts that print the same thing.
 *
 * Produced by: `gdb -batch -nx -ex 'thread apply all bt' -p PID` (or `-ex bt`);
 * without separate debuginfo: add `-iex 'set debug-file-directory /nonexistent'`.
 * Sample (the suite's deadlocked child; with libc6-dbg, then without):
 *
 *   Thread 1 (Thread 0x7fee45513740 (LWP 7328) "deadlocker-2ac1"):
 *   #0  futex_wait (private=0, expected=2, futex_word=0x56149a5201c0 <held_lock>) at ../sysdeps/nptl/futex-internal.h:146
 *   #2  0x00007fee455a2482 in lll_mutex_lock_optimized (mutex=0x56149a5201c0 <held_lock>) at ./nptl/pthread_mutex_lock.c:48
 *   #3  ___pthread_mutex_lock (mutex=mutex@entry=0x56149a5201c0 <held_lock>) at ./nptl/pthread_mutex_lock.c:93
 *   #7  0x00007fee455ea073 in __libc_fork () at ./posix/fork.c:109
 *   [Inferior 1 (process 7328) detached]
 *
 *   #0  0x00007fee4559c12b in ?? () from /lib/x86_64-linux-gnu/libc.so.6
 *   #1  0x00007fee455a2482 in pthread_mutex_lock () from /lib/x86_64-linux-gnu/libc.so.6
 *   #2  0x0000557d849e62c9 in ?? ()
 *
 * As pasted into a bug report (the same child, typed at the prompt: `gdb -nx -q
 * -p PID` with `thread apply all bt` and `bt full` on stdin, 80 columns):
 *
 *   (gdb) (gdb) #0  futex_wait (private=0, expected=2, futex_word=0x56064b40e1c0 <held_lock>)
 *       at ../sysdeps/nptl/futex-internal.h:146
 *           __ret = -512
 *   #1  __GI___lll_lock_wait (futex=futex@entry=0x56064b40e1c0 <held_lock>,
 *       private=0) at ./nptl/lowlevellock.c:49
 *   No locals.
 *       [Switching to thread 2 (Thread 0x7f3e.. (LWP 19520))]
 *       #5  0x00007f3ea832b073 in __libc_fork () from /lib/x86_64-linux-gnu/libc.so.6
 *       #17 0x000056064b40b661 in main ()
 *
 * Frames without an address (`#3  name (...)`) are inlined frames or frame 0
 * at a line boundary. Indentation, quote markers and `(gdb)` prompts are
 * dropped first; frame numbers may jump (abridged pastes). A `#0` after frames
 * starts the next backtrace: a new thread, unless it follows `[Switching to
 * thread ...]`, whose one-frame location line it replaces. A backtrace printed
 * twice (`thread apply all bt`, then `bt`) is kept once. Wrapped `at FILE:LINE`
 * / `from LIB` lines complete the frame above; so does the next line when a
 * reflowed paste cut a frame right after `0xADDR in` (the name went down); a
 * line holding several frames (its line breaks lost) is split before them. Other lines (gdb's chatter,
 * `bt full` locals, `[New LWP ...]`, the current-location line) are ignored;
 * `info threads` rows are one thread each, with their one frame (a `bt` after
 * them replaces the starred row's frame; a later `Thread N` backtrace of the
 * same LWP replaces its row);
 * "Backtrace stopped" and "warning:" lines become warnings.
 *
 * Several processes in one paste: besides the headers and labels every reader
 * knows (`Attaching to process N`, `[Inferior 1 (process N) detached]`,
 * `child (pid N):`), gdb's own thread ids tell them apart. One gdb on a parent
 * and the child it forked (`add-inferior`, `attach CHILD`; or `detach-on-fork
 * off`) qualifies them by inferior:
 *
 *   Thread 2.1 (Thread 0x7ffb1eb69740 (LWP 30180) "deadlocker"):
 *   #0  futex_wait (private=0, expected=2, futex_word=0x55625e6361c0 <held_lock>) at ../sysdeps/nptl/futex-internal.h:146
 *   Thread 1.6 (Thread 0x7ffb1cb646c0 (LWP 30179) "deadlocker"):
 *   #0  0x00007ffb1ec3fdf2 in __libc_pause () at ../sysdeps/unix/sysv/linux/pause.c:29
 *
 * and two `thread apply all bt`, pasted one after the other, each number
 * their threads from 1: a number that names another LWP than before starts
 * the next process. A bare backtrace (`#0` with no `Thread N` header) after
 * a headed listing is another command's `bt`: the same process when it
 * repeats a listed thread (whole, or its innermost frames), else a process
 * the listing did not show (a child's `bt` below its parent's listing, the
 * reporter's own words between).
 */
import type { Frame, ParsedStack, Thread } from '../types.js';
import {
  currentThread,
  dropRepeatedThreads,
  finishState,
  frameAgain,
  makeFrame,
  newState,
  openThread,
  parseHex,
  processEnds,
  processLabel,
  processStarts,
  pushFrame,
  splitJoinedFrames,
  unpaste,
  type JoinedFrames,
  type ParseState,
} from './common.js';
import { completeWrapped, frameFrom } from './gdb-frame.js';
import { threadIndexesByProcess } from '../thread-processes.js';

/** `Thread 2 (…):`; with several inferiors (a parent and the child it forked, in one gdb) gdb qualifies it: `Thread 2.1 (…):`. */
const THREAD_HEADER = /^Thread (\d{1,10})(?:\.(\d{1,10}))? \((.{0,1000})\):\s*$/;
const FRAME = /^#(\d{1,6})\s{1,8}(?:0x([0-9a-fA-F]{1,16})\s{1,8}in\s{1,8})?(.*)$/;
/** systemd-coredump / coredumpctl: `#0  0x00007f… __lll_lock_wait (libc.so.6 + 0x8e9a2)`, `n/a` for no name. */
/** A paste reflowed at a word boundary: `#3  0x00007f… in` ends the line, the name and the rest are on the next. */
const NAME_ON_NEXT_LINE = /^0x([0-9a-fA-F]{1,16})\s{1,8}in$/;
const COREDUMP_FRAME = /^0x([0-9a-fA-F]{1,16})\s{1,8}(\S{1,1000}) \(([^\s()]{1,256}) \+ 0x([0-9a-fA-F]{1,16})\)$/;
const PROCESS =
  /^(?:\[Inferior \d{1,6} \(process (\d{1,10})\) detached\]|Attaching to (?:program: .{0,1000}, )?process (\d{1,10}))/;
const SWITCHING = /^\[(?:Switching to|Current) thread (\d{1,10})(?:\.(\d{1,10}))? \((.{0,1000})\)\]/;
const INFO_THREADS_ROW =
  /^(\*\s{1,4})?(\d{1,6})(?:\.(\d{1,6}))?\s{1,8}(?:Thread 0x[0-9a-fA-F]{1,16} \((?:LWP|process) (\d{1,10})\)|LWP (\d{1,10})|process (\d{1,10}))(?: "([^"]{0,256})")?\s{1,64}(\S.{0,4000})$/;

interface GdbState extends ParseState {
  /** Where frames go: the last thread opened, or the `info threads` row a `bt` was about. */
  current: Thread | null;
  /** The thread a `[Switching to thread ...]` line opened (its first frame is the location line). */
  switched: Thread | null;
  /** The frame the previous line printed, for a wrapped `at`/`from` continuation. */
  lastFrame: Frame | null;
  /** The frame the previous line left at `0xADDR in` (a reflowed paste): its name is on this line. */
  nameless: Frame | null;
  /** `info threads` rows (one frame each) by LWP, the `*` (current) one, and rows a full backtrace replaced. */
  rows: Map<number | null, Thread>;
  starred: Thread | null;
  superseded: Set<Thread>;
  /** The process's gdb thread numbers and their LWPs. */
  numbers: Map<number, number | null>;
  /** The inferior of the last `I.N` thread id read (null: ids without one), and each inferior's process. */
  inferior: number | null;
  inferiors: Map<number, number>;
  /** Inside an `info inferiors` table (its rows are processes, not threads). */
  inInferiorsTable: boolean;
  /** The number of the last thread header or row (gdb prints `thread apply all` highest first). */
  lastNumber: number | null;
  /** Backtraces a bare `#0` opened after threads with headers: another `bt`'s, maybe another process's (splitBareBacktraces). */
  bare: Set<Thread>;
  /** gdb's number of each thread opened by a header or row (the N of `Thread N` / `I.N`), to tell a complete listing. */
  gdbNumbers: Map<Thread, number>;
  /** The number of the last frame read into each thread: a lower one again (`frame 2`, `up`) repeats a frame. */
  frameNumbers: Map<Thread, number>;
}

export function parseGdb(text: string): ParsedStack {
  const { state, lines } = newState('gdb', text);
  const extra = {
    current: null,
    switched: null,
    lastFrame: null,
    nameless: null,
    rows: new Map<number | null, Thread>(),
    starred: null,
    superseded: new Set<Thread>(),
    numbers: new Map<number, number | null>(),
    inferior: null,
    inferiors: new Map<number, number>(),
    inInferiorsTable: false,
    lastNumber: null,
    bare: new Set<Thread>(),
    gdbNumbers: new Map<Thread, number>(),
    frameNumbers: new Map<Thread, number>(),
  };
  const s: GdbState = Object.assign(state, extra);
  lines.forEach((line, i) => {
    for (const part of splitJoinedFrames(unpaste(line), GDB_JOINED)) parseGdbLine(s, part, i + 1);
  });
  mergeStarredRow(s);
  if (s.superseded.size > 0) s.threads = s.threads.filter((t) => !s.superseded.has(t));
  splitBareBacktraces(s);
  dropRepeatedThreads(s);
  keepOwnersOfCompleteListings(s);
  return finishState(s);
}

function parseGdbLine(s: GdbState, line: string, lineNo: number): void {
  const lastFrame = s.lastFrame;
  const nameless = s.nameless;
  s.lastFrame = null;
  s.nameless = null;
  const header = THREAD_HEADER.exec(line);
  const switching = header ? null : SWITCHING.exec(line);
  if (header || switching) {
    const m = (header ?? switching)!;
    const { tid, name } = describeThread(m[3]!);
    enterThreadOf(s, m[1]!, m[2], tid);
    const row = s.rows.get(tid);
    if (row && tid !== null) s.superseded.add(row);
    s.current = inInferior(s, openThread(s, tid, name ?? row?.name ?? null));
    s.gdbNumbers.set(s.current, Number(m[2] ?? m[1]));
    s.switched = switching ? s.current : null;
    return;
  }
  if (inInferiorsTable(s, line)) return;
  const row = INFO_THREADS_ROW.exec(line);
  if (row) {
    s.lastFrame = openRow(s, row, lineNo);
    return;
  }
  const f = FRAME.exec(line);
  if (f) {
    const coredump = f[2] === undefined ? COREDUMP_FRAME.exec(f[3]!.trim()) : null;
    const cut = f[2] === undefined ? NAME_ON_NEXT_LINE.exec(f[3]!.trim()) : null;
    const frame = coredump
      ? makeFrame({ fn: coredump[2]!, module: coredump[3]!, offset: parseHex(coredump[4]), address: coredump[1]! })
      : cut
        ? makeFrame({ fn: null, address: cut[1]! })
        : frameFrom(f[2], f[3]!);
    const n = Number(f[1]);
    const t = threadForFrame(s, n === 0);
    if (frameAgain(s.frameNumbers, t, n, n === 0)) return;
    pushFrame(s, t, frame, lineNo);
    s.lastFrame = frame;
    s.nameless = cut ? frame : null;
    return;
  }
  if (nameless && line.trim() !== '') {
    Object.assign(nameless, frameFrom(nameless.address ?? undefined, line));
    s.lastFrame = nameless;
    return;
  }
  if (lastFrame && completeWrapped(lastFrame, line)) return;
  const p = PROCESS.exec(line);
  const label = p ? null : processLabel(s, line);
  if (p || label) {
    const next = p ? (p[1] !== undefined ? processEnds(s, Number(p[1])) : processStarts(s, Number(p[2]))) : label!.next;
    if (next) forgetProcess(s);
    return;
  }
  if (line.includes('__owner = ')) noteOwners(s, line);
  if (line.startsWith('Backtrace stopped') || line.startsWith('warning: '))
    s.warnings.add(`line ${lineNo}: ${line.slice(0, 200)}`);
}

/** Another process of the paste follows: its threads are new, its rows and LWPs its own. */
function forgetProcess(s: GdbState): void {
  mergeStarredRow(s);
  s.current = null;
  s.switched = null;
  s.starred = null;
  s.rows.clear();
  s.numbers.clear();
  s.inferiors.clear();
  s.lastNumber = null;
}

/**
 * A thread header or `info threads` row names its gdb thread id (`2`, or
 * `2.1`: inferior 2's thread 1). With several inferiors (one gdb debugging a
 * parent and the child it forked) each inferior is a process, whatever order
 * the rows and headers come in (inInferior). Without them, another process's
 * threads start when a listing starts again with a thread number already read
 * for another LWP (two `thread apply all bt`, of a parent and then of its
 * child, pasted one after the other: each numbers its threads from 1). A
 * listing starts where the numbers stop falling (gdb prints the highest
 * first): a later thread of the same listing never starts a process, so a
 * child's listing pasted before its parent's stays one process, as without
 * this rule, rather than part the parent's threads. The same number and LWP
 * again is the same process printed twice. `first` is the id's number before
 * any dot, `afterDot` the one after it (then `first` is the inferior).
 */
function enterThreadOf(s: GdbState, first: string, afterDot: string | undefined, tid: number | null): void {
  if (afterDot !== undefined) {
    s.inferior = Number(first);
    return;
  }
  s.inferior = null;
  const number = Number(first);
  const known = s.numbers.get(number);
  const listingStarts = s.lastNumber === null || number >= s.lastNumber;
  const otherLwp = listingStarts && known !== undefined && known !== null && tid !== null && known !== tid;
  if (otherLwp && processStarts(s, null)) forgetProcess(s);
  s.numbers.set(number, tid);
  s.lastNumber = number;
}

/**
 * A thread of inferior I (`Thread I.N`, row `I.N`) belongs to I's process: the
 * first inferior seen keeps the process the paste was in, each other one gets
 * a process of its own, and a thread of an inferior already seen goes back to
 * it (`info threads` lists inferior 1's rows first, `thread apply all bt`
 * prints inferior 2's backtraces first). Bounded by the thread cap.
 */
function inInferior(s: GdbState, t: Thread): Thread {
  if (s.inferior === null) return t;
  let process = s.inferiors.get(s.inferior);
  if (process === undefined) {
    process = s.inferiors.size === 0 ? t.process! : INFERIOR_PROCESSES + s.inferiors.size;
    s.inferiors.set(s.inferior, process);
  }
  t.process = process;
  return t;
}

/** Process numbers given to the second and later inferiors: above any the paste's own boundaries reach (the thread cap). */
const INFERIOR_PROCESSES = 1 << 20;

/**
 * gdb's `info inferiors`: its header (`  Num  Description       Connection
 * Executable`), then one row per inferior (`* 2    process 8697      1
 * (native)  /tmp/fk`), which `info threads` rows would otherwise be read as.
 * True for the lines of the table.
 */
function inInferiorsTable(s: GdbState, line: string): boolean {
  if (INFERIORS_HEADER.test(line)) return (s.inInferiorsTable = true);
  if (s.inInferiorsTable && INFERIORS_ROW.test(line)) return true;
  return (s.inInferiorsTable = false);
}

const INFERIORS_HEADER = /^Num\s{1,16}Description\b/;
const INFERIORS_ROW = /^(?:\*\s{1,4})?\d{1,6}\s{1,8}(?:process \d{1,10}|<null>)(?:\s|$)/;

/** gdb's joined frames (`#0  0x… in a () from /lib/x #1  0x… in b () …`): the next starts ` #N  0x… in ` or ` #N  name (`. */
const GDB_JOINED: JoinedFrames = {
  first: /^#(\d{1,6})\s/,
  marker: ' #',
  next: / (?=#(\d{1,6})\s{1,8}(?:0x[0-9a-fA-F]{1,16}\s{1,8}in\s|[A-Za-z_][^\s(]{0,511} \())/g,
};

/**
 * An `info threads` row: one thread, its current frame.
 * `* 1    Thread 0x7f95a153c780 (LWP 25239) "dds-session" 0x00007f95a3a2c07a in pthread_cond_timedwait () from /lib64/libpthread.so.0`
 */
function openRow(s: GdbState, row: RegExpExecArray, lineNo: number): Frame {
  const tid = Number(row[4] ?? row[5] ?? row[6]);
  enterThreadOf(s, row[2]!, row[3], tid);
  const t = inInferior(s, openThread(s, tid, row[7] ?? null));
  s.gdbNumbers.set(t, Number(row[3] ?? row[2]));
  s.rows.set(tid, t);
  if (row[1] !== undefined) s.starred = t;
  const where = /^(?:0x([0-9a-fA-F]{1,16}) in )?(.*)$/.exec(row[8]!)!;
  const frame = frameFrom(where[1], where[2]!);
  pushFrame(s, t, frame, lineNo);
  s.current = t;
  return frame;
}

/**
 * `bt`, then `info threads`: the starred row is the thread that `bt` showed
 * (same frame 0). It gives that backtrace its LWP and name, and goes.
 */
function mergeStarredRow(s: GdbState): void {
  const row = s.starred;
  const top = row?.frames[0];
  if (!row || !top || row.frames.length !== 1) return;
  const same = s.threads.find(
    (t) =>
      t !== row &&
      t.process === row.process &&
      t.tid === null &&
      t.frames[0] !== undefined &&
      sameFrame(t.frames[0], top),
  );
  if (!same) return;
  same.tid = row.tid;
  same.name ??= row.name;
  s.superseded.add(row);
}

function sameFrame(a: Frame, b: Frame): boolean {
  return a.address !== null && b.address !== null ? a.address === b.address : a.normalized === b.normalized;
}

/**
 * Frame 0 after frames starts the next backtrace (see the header). After
 * `info threads`, a `bt` is the starred (current) thread's: it replaces that
 * row's one frame; after `[Switching to thread ...]`, the switched thread's.
 */
function threadForFrame(s: GdbState, frameZero: boolean): Thread {
  const t = s.current ?? currentThread(s);
  if (!frameZero || t.frames.length === 0) return t;
  const reuse = s.rows.get(t.tid) === t ? s.starred : s.switched === t ? t : null;
  if (reuse && reuse.frames.length <= 1) {
    reuse.frames.length = 0;
    s.switched = null;
    s.starred = null;
    s.current = reuse;
    return reuse;
  }
  const headed = s.numbers.size > 0;
  s.current = openThread(s, null, null);
  if (headed) s.bare.add(s.current);
  return s.current;
}

/**
 * `thread apply all bt` heads every thread (`Thread N (…):`); a backtrace
 * that starts with a bare `#0` after such a listing is another command's
 * (`bt`). When it repeats a listed thread, whole or its innermost frames
 * (`bt`, `bt 3`, `frame 0` of the current thread), it is that process's and
 * stays in it. When it repeats none, it is of a process the listing did not
 * show: a parent's `thread apply all bt` and its child's `bt`, pasted one
 * after the other with the reporter's words between. It becomes a process
 * of its own, judged alone.
 */
function splitBareBacktraces(s: GdbState): void {
  if (s.bare.size === 0) return;
  const byTop = new Map<string, Thread[]>();
  for (const o of s.threads) {
    if (s.bare.has(o) || !o.frames[0]) continue;
    const key = topKey(o);
    const list = byTop.get(key);
    if (!list) byTop.set(key, [o]);
    else if (list.length < MAX_REPEAT_CANDIDATES) list.push(o);
  }
  let next = s.threads.reduce((n, t) => Math.max(n, (t.process ?? 0) + 1), 0);
  let looked = 0;
  for (const t of s.bare) {
    if (!t.frames[0]) continue;
    if (++looked > MAX_BARE_BACKTRACES) break;
    const repeats = (byTop.get(topKey(t)) ?? []).some((o) => startsWithFrames(o.frames, t.frames));
    if (!repeats) t.process = next++;
  }
}

/**
 * Bounds on a hostile paste of thousands of bare backtraces: past the first
 * 64 (the matcher judges no more processes) they stay where they are, and a
 * bare backtrace is compared with at most 16 listed threads of the same
 * innermost frame.
 */
const MAX_BARE_BACKTRACES = 64;
const MAX_REPEAT_CANDIDATES = 16;

/** A thread's process and innermost frame, for finding the listed threads a bare backtrace may repeat. */
function topKey(t: Thread): string {
  const f = t.frames[0]!;
  return `${t.process ?? 0}|${f.normalized ?? f.address ?? '?'}`;
}

/** `whole` starts with `part`'s frames, compared by address where both print one, else by name. */
function startsWithFrames(whole: readonly Frame[], part: readonly Frame[]): boolean {
  return part.length <= whole.length && part.every((f, i) => sameFrame(f, whole[i]!));
}

/** `Thread 0x7f.. (LWP 7328) "name"`, `LWP 7328`, `process 7328`. */
function describeThread(inner: string): { tid: number | null; name: string | null } {
  const lwp = /\b(?:LWP|process) (\d{1,10})\b/.exec(inner);
  const quoted = /"(.{0,256})"\s*$/.exec(inner);
  return { tid: lwp ? Number(lwp[1]) : null, name: quoted ? quoted[1]! : null };
}

/** `__owner = 4242` in a printed mutex (`p *mutex`, `p/x`, `bt full` locals): the LWP that holds it; 0 is unlocked. */
const OWNER = /\b__owner = (0x[0-9a-fA-F]{1,8}|\d{1,10})\b/g;
/** Owners kept per thread (a `bt full` of many frames prints many locals). */
const MAX_LOCK_OWNERS = 8;

/** The owners a printed mutex names go to the current thread (the one `thread N`, `frame N` or the last backtrace selected). */
function noteOwners(s: GdbState, line: string): void {
  const t = s.current ?? s.threads[s.threads.length - 1];
  if (!t) return;
  const owners = t.lockOwners ?? [];
  for (const m of line.matchAll(OWNER)) {
    const owner = m[1]!.startsWith('0x') ? parseHex(m[1])! : Number(m[1]);
    if (owner > 0 && owner !== t.tid && !owners.includes(owner) && owners.length < MAX_LOCK_OWNERS) owners.push(owner);
  }
  if (owners.length > 0) t.lockOwners = owners;
}

/**
 * A printed owner says "held by a thread that is not here" only where the
 * paste lists the whole process: each of its threads with its LWP, and gdb's
 * thread numbers 1..n all there (`thread apply all bt`, `info threads`). An
 * abridged paste (two threads of thirty, or a bare `bt`) keeps none.
 */
function keepOwnersOfCompleteListings(s: GdbState): void {
  // the usual paste printed no mutex: nothing grouped
  if (!s.threads.some((t) => t.lockOwners)) return;
  for (const indexes of threadIndexesByProcess(s.threads)) {
    const threads = indexes.map((i) => s.threads[i]!);
    if (!threads.some((t) => t.lockOwners)) continue;
    const numbers = new Set(threads.map((t) => s.gdbNumbers.get(t)));
    const complete =
      threads.every((t) => t.tid !== null && s.gdbNumbers.has(t)) &&
      [...numbers].every((n) => n !== undefined && n >= 1 && n <= numbers.size);
    if (!complete) for (const t of threads) delete t.lockOwners;
  }
}
