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
 * Frames without an address (`#3  name (...)`) are inlined frames or frame 0
 * at a line boundary. Lines that are not frames or thread headers (gdb's
 * chatter, the current-location line) are ignored; "Backtrace stopped" and
 * "warning:" lines become warnings.
 */
import type { ParsedStack } from '../types.js';
import { currentThread, finishState, makeFrame, newState, openThread, parseHex, pushFrame, type ParseState } from './common.js';

const THREAD_HEADER = /^Thread (\d{1,10}) \((.{0,1000})\):\s*$/;
const FRAME = /^#(\d{1,6})\s{1,8}(?:0x([0-9a-fA-F]{1,16}) in )?(.*)$/;
const PROCESS = /^(?:\[Inferior \d{1,6} \(process (\d{1,10})\) detached\]|Attaching to (?:program: .{0,1000}, )?process (\d{1,10}))/;
const SOURCE_TAIL = /^(.{1,4000}):(\d{1,9})$/;

export function parseGdb(text: string): ParsedStack {
  const { state, lines } = newState('gdb', text);
  lines.forEach((line, i) => parseGdbLine(state, line, i + 1));
  return finishState(state);
}

function parseGdbLine(s: ParseState, line: string, lineNo: number): void {
  const header = THREAD_HEADER.exec(line);
  if (header) {
    const { tid, name } = describeThread(header[2]!);
    openThread(s, tid, name);
    return;
  }
  const f = FRAME.exec(line);
  if (f) {
    pushFrame(s, currentThread(s), frameFrom(f[2], f[3]!), lineNo);
    return;
  }
  const p = PROCESS.exec(line);
  if (p) {
    s.pid ??= Number(p[1] ?? p[2]);
    return;
  }
  if (line.startsWith('Backtrace stopped') || line.startsWith('warning: ')) s.warnings.add(`line ${lineNo}: ${line.slice(0, 200)}`);
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
