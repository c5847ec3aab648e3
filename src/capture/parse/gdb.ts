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
 * / `from LIB` lines complete the frame above. Other lines (gdb's chatter,
 * `bt full` locals, `[New LWP ...]`, the current-location line) are ignored;
 * "Backtrace stopped" and "warning:" lines become warnings.
 */
import type { ParsedStack } from '../types.js';
import type { Frame, Thread } from '../types.js';
import { currentThread, dropRepeatedThreads, finishState, makeFrame, newState, openThread, parseHex, pushFrame, unpaste, type ParseState } from './common.js';

const THREAD_HEADER = /^Thread (\d{1,10}) \((.{0,1000})\):\s*$/;
const FRAME = /^#(\d{1,6})\s{1,8}(?:0x([0-9a-fA-F]{1,16}) in )?(.*)$/;
const PROCESS = /^(?:\[Inferior \d{1,6} \(process (\d{1,10})\) detached\]|Attaching to (?:program: .{0,1000}, )?process (\d{1,10}))/;
const SOURCE_TAIL = /^(.{1,4000}):(\d{1,9})$/;
const SWITCHING = /^\[(?:Switching to|Current) thread \d{1,10} \((.{0,1000})\)\]/;
const WRAPPED_AT = /(?:^|\) )at (\S{1,4000}):(\d{1,9})$/;
const WRAPPED_FROM = /^from (\/\S{0,4000})$/;

interface GdbState extends ParseState {
  /** The thread a `[Switching to thread ...]` line opened (its first frame is the location line). */
  switched: Thread | null;
  /** The frame the previous line printed, for a wrapped `at`/`from` continuation. */
  lastFrame: Frame | null;
}

export function parseGdb(text: string): ParsedStack {
  const { state, lines } = newState('gdb', text);
  const s: GdbState = Object.assign(state, { switched: null, lastFrame: null });
  lines.forEach((line, i) => parseGdbLine(s, unpaste(line), i + 1));
  dropRepeatedThreads(s);
  return finishState(s);
}

function parseGdbLine(s: GdbState, line: string, lineNo: number): void {
  const lastFrame = s.lastFrame;
  s.lastFrame = null;
  const header = THREAD_HEADER.exec(line);
  const switching = header ? null : SWITCHING.exec(line);
  if (header || switching) {
    const { tid, name } = describeThread(header ? header[2]! : switching![1]!);
    const t = openThread(s, tid, name);
    s.switched = switching ? t : null;
    return;
  }
  const f = FRAME.exec(line);
  if (f) {
    const frame = frameFrom(f[2], f[3]!);
    pushFrame(s, threadForFrame(s, f[1] === '0'), frame, lineNo);
    s.lastFrame = frame;
    return;
  }
  if (lastFrame && completeWrapped(lastFrame, line)) return;
  const p = PROCESS.exec(line);
  if (p) {
    s.pid ??= Number(p[1] ?? p[2]);
    return;
  }
  if (line.startsWith('Backtrace stopped') || line.startsWith('warning: ')) s.warnings.add(`line ${lineNo}: ${line.slice(0, 200)}`);
}

/** Frame 0 after frames starts the next backtrace (see the header). */
function threadForFrame(s: GdbState, frameZero: boolean): Thread {
  const t = currentThread(s);
  if (!frameZero || t.frames.length === 0) return t;
  if (s.switched === t && t.frames.length === 1) {
    t.frames.length = 0;
    s.switched = null;
    return t;
  }
  return openThread(s, null, null);
}

/** A frame gdb wrapped at 80 columns: its `at FILE:LINE` or `from LIB` on the next line. */
function completeWrapped(frame: Frame, line: string): boolean {
  const from = WRAPPED_FROM.exec(line);
  if (from && frame.module === null && frame.source === undefined) {
    frame.module = from[1]!;
    return true;
  }
  const at = WRAPPED_AT.exec(line);
  if (at && frame.module === null && frame.source === undefined) {
    frame.source = `${at[1]}:${at[2]}`;
    return true;
  }
  return false;
}

/** `Thread 0x7f.. (LWP 7328) "name"`, `LWP 7328`, `process 7328`. */
function describeThread(inner: string): { tid: number | null; name: string | null } {
  const lwp = /\b(?:LWP|process) (\d{1,10})\b/.exec(inner);
  const quoted = /"(.{0,256})"\s*$/.exec(inner);
  return { tid: lwp ? Number(lwp[1]) : null, name: quoted ? quoted[1]! : null };
}

/** `name (args) at file:line`, `name (args) from lib`, `?? ()`, `<signal handler called>`. */
function frameFrom(address: string | undefined, rest: string) {
  const body = rest.trim();
  if (body.startsWith('<')) return makeFrame({ fn: body, address: address ?? null });
  const open = findArgsStart(body);
  const name = open < 0 ? body : body.slice(0, open).trim();
  let module: string | null = null;
  let source: string | null | undefined;
  const tail = body.slice(Math.max(open, 0));
  const at = tail.lastIndexOf(') at ');
  const from = tail.lastIndexOf(') from ');
  if (from >= 0 && from > at) module = tail.slice(from + 7).trim() || null;
  else if (at >= 0) {
    const src = SOURCE_TAIL.exec(tail.slice(at + 5).trim());
    source = src ? `${src[1]}:${src[2]}` : tail.slice(at + 5).trim();
  }
  const frame = makeFrame({ fn: name, module, address: address ?? null, offset: offsetOf(name) });
  if (source !== undefined) frame.source = source;
  return frame;
}

/** Index of the ` (` that opens the argument list: the first one outside C++ `<...>` and `(...)`. */
function findArgsStart(body: string): number {
  let angle = 0;
  let paren = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '<') angle++;
    else if (c === '>') angle = Math.max(0, angle - 1);
    else if (c === ')') paren = Math.max(0, paren - 1);
    else if (c === '(') {
      if (angle === 0 && paren === 0 && i > 0 && body[i - 1] === ' ') return i - 1;
      paren++;
    }
  }
  return -1;
}

/** gdb prints `fn+0x1c` only for some minimal-symbol frames; keep the number where it does. */
function offsetOf(name: string): number | null {
  const m = /\+(0x[0-9a-fA-F]{1,16})$/.exec(name);
  return m ? parseHex(m[1]) : null;
}
