/**
 * The lenient fallback: when no reader fits, function names (and modules
 * where evident) are pulled out of anything that looks like a frame, and the
 * result says so (format 'lenient', a warning). Used by parseStack when the
 * text is no known format, or when its format's reader finds no frames.
 *
 * Produced by: nothing in particular: a paste cut from a chat, a ticket or a
 * crash reporter, re-wrapped or re-formatted by hand. Sample (what it reads,
 * one kind of frame a line):
 *
 *   Thread 3 hung in child:
 *     libsystem_kernel.dylib`__psynch_mutexwait        module`func (lldb, macOS sample)
 *     0x7f1c2a9f4d __lll_lock_wait+0x1d                func+0x1c / func + 0x1c
 *     2  libc.so.6  0x00007f1c2a9f4d  calloc + 452     func + 452 (decimal: only beside an address)
 *     called from ... in arena_get2 (a_ptr=...)        in func (
 *     at java.lang.ProcessImpl.forkAndExec(Native Method)   at func(
 *     #4 fork_handler () from /lib/libfoo.so           #N func (   and a `from /lib` module
 *     1  __GI___lll_lock_wait (f=0x7f10) at l.c:49     the same with its # lost: (…) ending the line, or at FILE:LINE / from /LIB
 *     #8  ns::{impl#8}::drop     at src/codegen.rs:1117  #N func  at FILE
 *     os/exec.(*Cmd).Start(0x4204dc420, 0x420838001)   Go: pkg.func(args) (`goroutine N` heads a thread)
 *     File "x.py", line 12, in acquire                Python (gdb py-bt, tracebacks): the function, file:line as source
 *     <built-in method acquire of _thread.lock object at remote 0x7f..>   py-bt's C call: `_thread.lock.acquire`
 *     Waiting for the GIL                              py-bt's word for a thread in take_gil: a `take_gil` frame
 *     _acquireLock (logging/__init__.py:221)           py-spy dump: func (file:line), func (lib.so) with --native
 *     3: std::sys::sync::mutex::futex::Mutex::lock_contended   Rust std backtrace: N: func
 *     ==12== by 0x4E3AC97: pthread_mutex_lock (in /usr/lib64/libpthread-2.17.so)   Valgrind
 *     lib/x.rb:598:in `pop'                            Ruby backtraces (`from x.rb:12:in 'A#b'`, the VM's deadlock report)
 *     __lll_lock_wait_private+0x1d/0x30                 the kernel's and perf's offset/size
 *     /lib/libc.so.6(__libc_malloc+0x1c6) [0x7f1c2a0d6a86]   glibc backtrace_symbols(3) (Ruby's, PHP's C-level
 *     /lib/libc.so.6(+0x9a1e3) [0x7f1c2a0d31e3]              backtraces, watchdogs): module(func+off) [addr]
 *      2# my_lib_call in /usr/lib/libmy.so              boost::stacktrace: N# func in module / at file:line
 *     #03: mozilla::detail::MutexImpl::lock()[/usr/lib/firefox/libxul.so +0x1f3a2]   Firefox's (MozStackWalk): #N: func[module +0xoff]
 *      0  libc.so.6!__lll_lock_wait_private [lowlevellock.c : 35 + 0x1d]   Breakpad / Crashpad minidump_stackwalk:
 *      3  libxul.so + 0x1a2b3c                                 N  module!func [source] / N  module + 0xoff (no name)
 *     (Python) File "x.py", line 12, in acquire         pystack (--native: `(C) File "f.c", line 146, in fn (libc.so.6)`)
 *         __lll_lock_wait+30                            bpftrace ustack: func+decimal alone on its line, `@[` … `]: N` around
 *     libc.so.6!__GI_raise(int sig) (/build/glibc-x/raise.c:50)   VS Code's Copy Call Stack: module!func(params) (file:line)
 *     [#0] 0x7ffff7e4b8d2 → __lll_lock_wait_private()   GEF's trace panel (gdb extension): [#N] addr → func(args)
 *     85318 101437 git  -  mi_switch+0xc1 … do_lock_umutex+0x68d …   FreeBSD procstat -kk: PID TID COMM TDNAME, then the
 *                                                      thread's kernel stack on one line (a thread per row)
 *
 * gdb's py-bt prints innermost first (`Traceback (most recent call first):`);
 * a Python traceback (`most recent call last`) is turned round.
 *
 * The Python shapes live in lenient-python.ts, Ruby's in lenient-ruby.ts, the crash reporters' and tools'
 * (backtrace_symbols, boost, Valgrind, Firefox, Breakpad, VS Code, GEF) in
 * lenient-crash.ts; this file reads the lines and keeps the threads.
 *
 * One thread per obvious block: a blank line or a header-looking line
 * (`thread`, `TID`, `LWP`, `----`, a quoted name) after frames, or frame
 * number 0 again, starts the next one. Each line is split once and looked at
 * a bounded number of times (linear time).
 */
import { MAX_FRAME_CODE, type Frame, type ParsedStack } from '../types.js';
import {
  finishState,
  looksBinary,
  makeFrame,
  newState,
  openThread,
  parseHex,
  processLabel,
  processStarts,
  pushFrame,
  unpaste,
  type ParseState,
} from './common.js';
import {
  backtraceSymbolsFrame,
  boostFrame,
  breakpadFrame,
  gefFrame,
  isGefThreadLine,
  mozFrame,
  valgrindFrame,
  vscodeFrame,
} from './lenient-crash.js';
import { isPythonFileLine, LIBRARY_FILE, PY_FIRST, PY_TRACEBACK, pySpyFrame, pythonFrame } from './lenient-python.js';
import { RUBY_THREAD, rubyFrame } from './lenient-ruby.js';

const NAME = /^[A-Za-z_$][\w$:.<>~@]{0,511}$/;
/** `func+0x1c`, and the kernel's and perf's `func+0x1d/0x30` (offset / size). */
const NAME_PLUS = /^([A-Za-z_$][\w$:.<>~@]{0,511})\+(0x[0-9a-fA-F]{1,16}|\d{1,12})(?:\/0x[0-9a-fA-F]{1,16})?$/;
const HEX = /^(?:0x)?([0-9a-fA-F]{1,16})$/;
const DEC = /^\d{1,12}$/;
const ADDRESS = /^(?:0x[0-9a-fA-F]{4,16}|[0-9a-fA-F]{8,16})$/;
const AFTER_IN = /^([A-Za-z_$][^\s(]{0,511}) \(/;
/** A gdb frame whose `#` was lost (a paste rendered as Markdown, a re-typed list): `1  __GI___lll_lock_wait (futex=…) at f.c:49`. */
const UNHASHED = /^(\d{1,6})\s{1,8}(?:0x[0-9a-fA-F]{1,16}\s{1,8}in\s)?([A-Za-z_$][^\s(]{0,511}) \(/;
const UNHASHED_TAIL = /\) (?:at [^\s()]{1,1000}:\d{1,9}|from \/[^\s()]{1,1000})$/;
const JAVA_AT = /^at ([\w$.<>/]{1,512})\(/;
const NUMBERED =
  /^(?:frame\s)?#(\d{1,6}):?\s{1,8}(?:0x[0-9a-fA-F]{1,16}\s{1,8})?(?:in\s)?([A-Za-z_$][^\s(]{0,511})(?: \(|\s{1,64}at \S)/;
const GO_NAME = /^[\w/.*()$-]{1,512}$/;
const GO_TAIL = / \+0x[0-9a-fA-F]{1,16}$/;
/** Lines that end a thread: headers, rules, quoted names, bpftrace's map keys (`@[`, `@stacks[`) and counts (`]: 12`), GEF's thread lines. */
const HEADER_LIKE =
  /^(?:\*?\s?thread\b|Thread\b|TID\b|LWP\b|goroutine \d|-{3,}|"|={3,}|@\w{0,64}\[|\]: \d|\[#\d{1,6}\] Id \d)/i;
const FROM_MODULE = / from (\/\S{1,1000})\s*$/;
/** py-spy dump's thread line: `Thread 4242 (idle): "MainThread"` (the OS thread id; a hex one is a pthread id, not kept). */
const PY_SPY_THREAD =
  /^Thread (?:(\d{1,10})|0x[0-9a-fA-F]{1,16}) \((?:idle|active|gil)[^)]{0,32}\)(?:: "(.{0,256})")?/i;
/** py-spy dump's first line: `Process 4242: /usr/bin/python3 worker.py`. */
const PY_SPY_PROCESS = /^Process (\d{1,10}): \S/;
/** Valgrind's per-line `==PID== ` prefix. */
const VALGRIND_PREFIX = /^==\d{1,10}==\s?/;
/** Rust's std backtrace: `  3: std::sys::…::Mutex::lock_contended`, older `  3:     0x55d… - name`. */
const RUST_NUMBERED =
  /^(\d{1,5}):\s{1,8}(?:0x[0-9a-fA-F]{1,16} - )?([A-Za-z_<][^\s]{0,1000}(?: as [^\s]{1,500}>[^\s]{0,500})?)$/;
/** A bpftrace ustack frame, alone on its line: `__lll_lock_wait+30` (decimal offset, no address). */
const LONE_NAME_PLUS = /^([A-Za-z_$][\w$:.<>~@]{0,511})\+(\d{1,12})$/;
/** FreeBSD `procstat -kk` row: `85318 101437 python3.9  -  mi_switch+0xc1 sleepq_catch_signals+0x2e6 …`. */
const PROCSTAT_ROW = /^(\d{1,10})\s{1,16}(\d{1,10})\s{1,16}(\S{1,64})\s/;
/** gdb's stop line when it attaches or stops: the selected thread's innermost frame, with no frame number. */
const GDB_STOP = /^0x[0-9a-fA-F]{1,16} in \S/;
const NOTICE =
  'no reader recognised this text: function names were pulled out of frame-like lines (lenient reader); frames may be incomplete';

interface LenientState extends ParseState {
  /** A blank or header-looking line came after the last frame: the next frame opens a thread. */
  broken: boolean;
  /** A Python traceback (most recent call last) starts: its thread is turned round at the end. */
  lastFirst: boolean;
  reversed: Set<object>;
  /** The line before was a Python `File "…", line N, in f`: this one is its source text, not a frame. */
  pySource: boolean;
  /** The thread id and name a py-spy thread line gave, for the thread its frames open. */
  header: { tid: number | null; name: string | null } | null;
  /** The thread gdb's stop line (`0x7f… in fn (…) at f.c:205`, no frame number) opened: a py-bt after it is the same thread's. */
  stopped: object | null;
}

export function parseLenient(text: string): ParsedStack {
  const { state, lines } = newState('lenient', text);
  const s: LenientState = Object.assign(state, {
    broken: true,
    lastFirst: false,
    reversed: new Set<object>(),
    pySource: false,
    header: null,
    stopped: null,
  });
  // A guesser guesses nothing from binary input (splitInput has said it looks binary).
  if (looksBinary(state.raw)) return finishState(s);
  lines.forEach((raw, i) => {
    const pasted = unpaste(raw);
    const line = (pasted.startsWith('==') ? unpaste(pasted.replace(VALGRIND_PREFIX, '')) : pasted).trimEnd();
    const pyFile = isPythonFileLine(line);
    const source = s.pySource && !pyFile && !line.startsWith('<built-in ');
    s.pySource = pyFile;
    if (source) keepCode(s, line);
    const found = source ? null : framesOf(line);
    if (!found) {
      if (processHeader(s, line)) {
        s.broken = true;
        return;
      }
      const traceback = PY_TRACEBACK.exec(line);
      if (traceback) s.lastFirst = traceback[1] === 'last';
      if (line === '' || traceback || HEADER_LIKE.test(line) || RUBY_THREAD.test(line)) s.broken = true;
      // gdb's py-bt prints the Python frames of the thread whose C frame gdb just showed stopped
      if (traceback && traceback[1] === 'first' && s.stopped !== null && s.stopped === s.threads.at(-1))
        s.broken = false;
      const spy = line.startsWith('Thread ') ? PY_SPY_THREAD.exec(line) : null;
      if (spy) s.header = { tid: spy[1] !== undefined ? Number(spy[1]) : null, name: spy[2] ?? null };
      else if (line !== '') s.header = null;
      return;
    }
    // FreeBSD `procstat -kk`: one row per thread, the pid and tid first, the whole kernel stack after
    const row = found.frames.length > 1 ? PROCSTAT_ROW.exec(line) : null;
    if (row) processStarts(s, Number(row[1]));
    const last = s.threads[s.threads.length - 1];
    const opens = row || s.broken || !last || (found.number === 0 && last.frames.length > 0);
    const t = opens
      ? openThread(s, row ? Number(row[2]) : (s.header?.tid ?? null), row ? row[3]! : (s.header?.name ?? null))
      : last;
    if (opens) s.header = null;
    s.stopped = opens && GDB_STOP.test(line) ? t : null;
    if (s.broken && s.lastFirst) s.reversed.add(t);
    s.lastFirst = false;
    s.broken = false;
    for (const frame of found.frames) pushFrame(s, t, frame, i + 1);
  });
  for (const t of s.threads) if (s.reversed.has(t)) t.frames.reverse();
  if (s.threads.some((t) => t.frames.length > 0)) s.warnings.addFirst(NOTICE);
  return finishState(s);
}

/** The source line a Python `File` line printed below it: the code of the frame that line read, trimmed and capped. */
function keepCode(s: LenientState, line: string): void {
  const frames = s.threads[s.threads.length - 1]?.frames;
  const frame = frames?.[frames.length - 1];
  const code = line.trim().slice(0, MAX_FRAME_CODE);
  if (frame && frame.code === undefined && frame.source && code !== '') frame.code = code;
}

/** The frame(s) a line shows, by the first rule that fits; null when none does. */
function framesOf(line: string): { frames: Frame[]; number: number | null } | null {
  if (line === '' || isGefThreadLine(line)) return null;
  const digit = line.charCodeAt(0) >= 48 && line.charCodeAt(0) <= 57; // the numbered forms start so: a cheap test first
  const py = PY_FIRST.includes(line[0]!) ? pythonFrame(line) : null;
  if (py) return { frames: [py], number: null };
  const numberedShape = mozFrame(line) ?? gefFrame(line) ?? (digit ? breakpadFrame(line) : null);
  if (numberedShape) return { frames: [numberedShape.frame], number: numberedShape.number };
  const vscode = vscodeFrame(line);
  if (vscode) return { frames: [vscode], number: null };
  const numbered = NUMBERED.exec(line);
  if (numbered) return { frames: [withModule(makeFrame({ fn: numbered[2]! }), line)], number: Number(numbered[1]) };
  const unhashed = digit && line.includes(' (') ? UNHASHED.exec(line) : null;
  if (unhashed && (line.endsWith(')') || UNHASHED_TAIL.test(line.slice(Math.max(0, line.lastIndexOf(') '))))))
    return { frames: [withModule(makeFrame({ fn: unhashed[2]! }), line)], number: Number(unhashed[1]) };
  const symbols = backtraceSymbolsFrame(line);
  if (symbols) return { frames: [symbols], number: null };
  const boost = digit ? boostFrame(line) : null;
  if (boost) return { frames: [boost.frame], number: boost.number };
  const ruby = rubyFrame(line);
  if (ruby) return { frames: [ruby], number: null };
  const java = JAVA_AT.exec(line);
  if (java) return { frames: [makeFrame({ fn: java[1]! })], number: null };
  const go = goFrame(line);
  if (go) return { frames: [go], number: null };
  const vg = valgrindFrame(line);
  if (vg) return { frames: [vg], number: null };
  const spy = digit ? null : pySpyFrame(line);
  if (spy) return { frames: [spy], number: null };
  const rust = digit ? RUST_NUMBERED.exec(line) : null;
  if (rust) return { frames: [makeFrame({ fn: rust[2]! })], number: Number(rust[1]) };
  const tick = backtickFrame(line);
  if (tick) return { frames: [tick], number: null };
  const inAt = line.startsWith('in ') ? 0 : line.indexOf(' in ') + 1; // where `in ` starts; 0 also when absent
  const afterIn = inAt > 0 || line.startsWith('in ') ? AFTER_IN.exec(line.slice(inAt + 3)) : null;
  if (afterIn) return { frames: [withModule(makeFrame({ fn: afterIn[1]! }), line)], number: null };
  const lone = line.includes('+') && !line.includes(' ') ? LONE_NAME_PLUS.exec(line) : null;
  if (lone) return { frames: [makeFrame({ fn: lone[1]!, offset: Number(lone[2]) })], number: null };
  const plus = plusFrames(line.split(/\s+/, 64));
  return plus.length > 0 ? { frames: plus, number: null } : null;
}

/** py-spy dump's header (`Process 4242: python3 worker.py`), or a reporter's `parent:` / `child (pid 4242):` label. */
function processHeader(s: LenientState, line: string): boolean {
  const spy = PY_SPY_PROCESS.exec(line);
  if (spy) {
    processStarts(s, Number(spy[1]));
    return true;
  }
  return processLabel(s, line) !== null;
}

/** Go: `os/exec.(*Cmd).Start(0x4204dc420, 0x1)`: a dotted name, no spaces, then the argument list closing the line. */
function goFrame(line: string): Frame | null {
  // Cheap first: a Go frame ends with its argument list, or with ` +0x…` after it.
  if (!line.endsWith(')') && !line.includes(' +0x')) return null;
  const body = line.replace(GO_TAIL, '');
  if (!body.endsWith(')') || body.includes(' (')) return null;
  const open = body.lastIndexOf('(');
  const name = open > 0 ? body.slice(0, open) : '';
  if (!GO_NAME.test(name) || !name.includes('.') || body.slice(open + 1, -1).includes(')')) return null;
  return makeFrame({ fn: name });
}

/** `module`func` (lldb, dtrace, macOS samples), `+ N` after it kept as the offset. */
function backtickFrame(line: string): Frame | null {
  const tick = line.indexOf('`');
  if (tick <= 0) return null;
  const before = line.lastIndexOf(' ', tick);
  const module = line.slice(before + 1, tick);
  const rest = line.slice(tick + 1);
  const end = rest.search(/[\s(`]/);
  const fn = end < 0 ? rest : rest.slice(0, end);
  if (!NAME.test(fn) || module === '' || !/^[\w.+-]{1,256}$/.test(module)) return null;
  return makeFrame({ fn, module });
}

/**
 * `func+0x1c` (several on a line are all kept), `func + 0x1c`, and
 * `func + 452` when the line also shows an address; crash-report columns
 * (`2  libc.so.6  0x7f..  calloc + 452`) give the address and module too.
 */
function plusFrames(tokens: string[]): Frame[] {
  const hasAddress = tokens.some((t) => ADDRESS.test(t));
  const frames: Frame[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const joined = tokens[i]!.includes('+') ? NAME_PLUS.exec(tokens[i]!) : null;
    if (joined && (joined[2]!.startsWith('0x') || hasAddress)) {
      frames.push(makeFrame({ fn: joined[1]!, offset: offsetOf(joined[2]!) }));
      continue;
    }
    const [name, plus, off] = [tokens[i]!, tokens[i + 1], tokens[i + 2]];
    if (plus !== '+' || off === undefined || !NAME.test(name) || ADDRESS.test(name)) continue;
    if (!HEX.test(off) || !(off.startsWith('0x') || (hasAddress && DEC.test(off)))) continue;
    const address = i >= 1 && ADDRESS.test(tokens[i - 1]!) ? tokens[i - 1]! : null;
    const module = address && i >= 2 && LIBRARY_FILE.test(tokens[i - 2]!) ? tokens[i - 2]! : null;
    frames.push(makeFrame({ fn: name, offset: offsetOf(off), address, module }));
    i += 2;
  }
  if (frames.length > 0) return frames;
  const bare = addressThenName(tokens);
  return bare ? [bare] : [];
}

/** `0x7f1c2a9f4d __lll_lock_wait`, `fee92ae9 lwp_park (0, 0, 0)`: an address, then a name. */
function addressThenName(tokens: string[]): Frame | null {
  const k = tokens[0] === '' ? 1 : 0;
  const first = /^#\d{1,6}:?$/.test(tokens[k] ?? '') ? k + 1 : k;
  const [address, name] = [tokens[first], tokens[first + 1]];
  if (address === undefined || name === undefined || !ADDRESS.test(address)) return null;
  const bare = name.replace(/\($/, '');
  if (!NAME.test(bare) || ['in', 'at', 'from', 'of', 'is'].includes(bare)) return null;
  return makeFrame({ fn: bare, address: address.replace(/^(?!0x)/, '0x') });
}

function offsetOf(text: string): number | null {
  return text.startsWith('0x') ? parseHex(text) : Number(text);
}

function withModule(frame: Frame, line: string): Frame {
  const from = FROM_MODULE.exec(line);
  if (from) frame.module = from[1]!;
  return frame;
}
