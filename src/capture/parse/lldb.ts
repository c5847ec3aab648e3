/**
 * lldb backtraces: `bt`, `bt all`, `thread backtrace all`, Linux and macOS.
 *
 * Produced by: `lldb -p PID --batch -o 'thread backtrace all'` (or `-o 'bt all'`);
 * without libc6-dbg: add `-O 'settings set symbols.enable-external-lookup false'`.
 * Sample (the suite's deadlocked child on Linux, then without debuginfo, then
 * the shape macOS prints):
 *
 *   (lldb) process attach --pid 19514
 *   Process 19514 stopped
 *   * thread #1, name = 'deadlocker-01c5', stop reason = signal SIGSTOP
 *     * frame #0: 0x00007f3ea82dd12b libc.so.6`__GI___lll_lock_wait at futex-internal.h:146:13
 *       frame #1: 0x00007f3ea82dd115 libc.so.6`__GI___lll_lock_wait(futex=0x000056064b40e1c0, private=0) at lowlevellock.c:49:7
 *       frame #10: 0x00007fe83f46024a libc.so.6`__libc_start_call_main(main=(deadlocker`main at deadlocker.c:132:33), argc=6) at libc_start_call_main.h:58:16
 *       frame #9: 0x00007f2109400cc9
 *
 *       frame #0: 0x00007f3ea82dd12b libc.so.6`___lldb_unnamed_symbol3491 + 43
 *
 *   * thread #1, queue = 'com.apple.main-thread', stop reason = signal SIGSTOP
 *     * frame #0: 0x00007ff81b2d3b4a libsystem_kernel.dylib`__psynch_mutexwait + 10
 *       frame #2: 0x0000000100003e5c a.out`child [inlined] take_lock at main.c:12:3
 *
 * `thread list` (and older lldb's stop report) print the thread's top frame
 * on its header line: `* thread #1: tid = 0x1c03, 0x00007fff8a0c4a82
 * libsystem_kernel.dylib\`__psynch_mutexwait + 10, queue = '…', stop reason
 * = signal SIGSTOP`. That frame is the thread's, until `frame #N` lines of a
 * backtrace replace it.
 *
 * `[inlined] NAME` is the function that frame runs (inlined into the one
 * before the marker). lldb's `___lldb_unnamed_symbolN` is no name (symbols
 * stripped): fn null, as gdb's `??`. A thread printed again (the stop report
 * before `bt all`) replaces the earlier copy. Disassembly and source listing
 * lines after the stop report are ignored. A line holding several frames (a
 * paste that lost its line breaks) is split where the frame numbers go up. A
 * frame printed again (`frame select 2`, `up`: its number not above the
 * last one read) is no frame of its own.
 */
import type { Frame, ParsedStack, Thread } from '../types.js';
import {
  currentThread,
  finishState,
  frameAgain,
  makeFrame,
  newState,
  openThread,
  processEnds,
  processLabel,
  processStarts,
  pushFrame,
  splitJoinedFrames,
  unpaste,
  type JoinedFrames,
  type ParseState,
} from './common.js';

const THREAD_HEADER = /^(?:\*\s{0,4})?thread #(\d{1,10})(?:[,:](.{0,2000}))?$/;
const FRAME = /^(?:\*\s{0,4})?frame #(\d{1,6}): (?:0x)?([0-9a-fA-F]{1,16})(?:\s(.*))?$/;
/** `Process N stopped` / `process attach -p N` start a process's part of the paste; `detached` and `exited` end it (group 2). */
const PROCESS =
  /^(?:Process (\d{1,10}) (?:stopped|resuming|(detached|exited))|process attach (?:--pid|-p) (\d{1,10}))\b/;
const SOURCE = /^([^\s`()]{1,1000}?):(\d{1,9})(?::\d{1,9})?$/;
const OFFSET = /^\d{1,12}$/;
/** macOS lldb marks optimized and artificial frames after the source: `at slot.c:344:11 [opt]`. */
const FRAME_MARKERS = /(?:\s\[(?:opt|artificial)\]){1,2}$/;
const VALUE_ARGS = /^\(\w{1,64}=/;
const UNNAMED = /^_{0,3}lldb_unnamed_symbol\d{0,12}(?:\$\$\S{0,200})?$/;

interface LldbState extends ParseState {
  byIndex: Map<number, Thread>;
  /** Threads whose only frame so far is the one on the header line (a backtrace replaces it). */
  headerOnly: Set<Thread>;
  /** Where frames go: the last `thread #N` header (an earlier thread when N was seen before). */
  current: Thread | null;
  /** The number of the last frame read into each thread: a lower one again (`frame select 2`, `up`) repeats a frame. */
  frameNumbers: Map<Thread, number>;
}

export function parseLldb(text: string): ParsedStack {
  const { state, lines } = newState('lldb', text);
  const s: LldbState = Object.assign(state, {
    byIndex: new Map<number, Thread>(),
    headerOnly: new Set<Thread>(),
    current: null,
    frameNumbers: new Map<Thread, number>(),
  });
  lines.forEach((line, i) => {
    for (const part of splitJoinedFrames(unpaste(line), LLDB_JOINED)) parseLldbLine(s, part, i + 1);
  });
  return finishState(s);
}

/** lldb's joined frames (`frame #0: … + 10 frame #1: …`): the next starts ` frame #N: ` (or ` * frame #N: `). */
const LLDB_JOINED: JoinedFrames = {
  first: /^(?:\*\s{1,4})?frame #(\d{1,6}): /,
  marker: ' frame #',
  next: / (?=(?:\* )?frame #(\d{1,6}): )/g,
};

function parseLldbLine(s: LldbState, line: string, lineNo: number): void {
  const header = THREAD_HEADER.exec(line);
  if (header) {
    openIndexed(s, Number(header[1]), header[2] ?? '');
    return;
  }
  const f = FRAME.exec(line);
  if (f) {
    const t = s.current ?? currentThread(s);
    const n = Number(f[1]);
    if (frameAgain(s.frameNumbers, t, n)) return;
    if (s.headerOnly.delete(t)) t.frames.length = 0;
    pushFrame(s, t, frameFrom(f[2]!, f[3] ?? ''), lineNo);
    return;
  }
  const p = PROCESS.exec(line);
  const label = p ? null : processLabel(s, line);
  if (p || label) {
    const pid = Number(p?.[1] ?? p?.[3]);
    const next = p ? (p[2] === undefined ? processStarts(s, pid) : processEnds(s, pid)) : label!.next;
    if (next) {
      s.byIndex.clear();
      s.current = null;
    }
  } else if (line.startsWith('error: ') || line.startsWith('warning: '))
    s.warnings.add(`line ${lineNo}: ${line.slice(0, 200)}`);
}

/** `thread #N` seen again replaces its earlier copy (same place in the list, frames anew). */
function openIndexed(s: LldbState, index: number, details: string): void {
  const again = s.byIndex.get(index);
  if (again) {
    again.frames.length = 0;
    s.frameNumbers.delete(again);
    s.fullThreads.delete(again);
    s.current = again;
    headerFrame(s, again, details);
    return;
  }
  const tid = /\btid = (0x[0-9a-fA-F]{1,16}|\d{1,10})\b/.exec(details);
  const name = /\bname = '([^']{0,256})'/.exec(details) ?? /\bqueue = '([^']{0,256})'/.exec(details);
  s.current = openThread(s, tid ? Number(tid[1]) : null, name ? name[1]! : null);
  s.byIndex.set(index, s.current);
  headerFrame(s, s.current, details);
}

const HEADER_FRAME = /(?:^|,\s)(?:0x)?([0-9a-fA-F]{6,16}) (?=\S)/;
const HEADER_FIELDS = [', name = ', ', queue = ', ', stop reason = ', ', activity = '];

/** The top frame `thread list` prints on the header: `tid = 0x1c03, 0x7fff… lib\`f + 10, queue = …`. */
function headerFrame(s: LldbState, t: Thread, details: string): void {
  const m = HEADER_FRAME.exec(details);
  if (!m || t.frames.length > 0) return;
  let rest = details.slice(m.index + m[0].length);
  const end = Math.min(...HEADER_FIELDS.map((k) => rest.indexOf(k)).filter((i) => i >= 0), rest.length);
  rest = rest.slice(0, end);
  if (!rest.includes('`') && !/^[A-Za-z_]/.test(rest)) return;
  t.frames.push(frameFrom(m[1]!, rest));
  s.headerOnly.add(t);
}

/** `module`name(args) at file:line:col`, `module`name + 43`, `name at file:line`, or nothing. */
function frameFrom(address: string, rest: string): Frame {
  let body = rest.trim().replace(FRAME_MARKERS, '');
  let source: string | undefined;
  const at = body.lastIndexOf(' at ');
  const src = at >= 0 ? SOURCE.exec(body.slice(at + 4)) : null;
  if (src) {
    source = `${src[1]}:${src[2]}`;
    body = body.slice(0, at);
  }
  let offset: number | null = null;
  const plus = body.lastIndexOf(' + ');
  if (plus >= 0 && OFFSET.test(body.slice(plus + 3))) {
    offset = Number(body.slice(plus + 3));
    body = body.slice(0, plus);
  }
  const tick = body.indexOf('`');
  const module = tick > 0 ? body.slice(0, tick) : null;
  let name = tick >= 0 ? body.slice(tick + 1) : body;
  const inlined = name.lastIndexOf('[inlined] ');
  if (inlined >= 0) name = name.slice(inlined + 10);
  name = dropValueArgs(name.trim());
  const frame = makeFrame({ fn: UNNAMED.test(name) ? null : name, module, offset, address });
  if (source !== undefined) frame.source = source;
  return frame;
}

/**
 * `f(futex=0x.., private=0)` → `f`: lldb's argument values (also when the
 * paste cut the list short); a C++ signature `f(int, char*)` stays.
 */
function dropValueArgs(name: string): string {
  const open = name.indexOf('(');
  return open > 0 && VALUE_ARGS.test(name.slice(open, open + 70)) ? name.slice(0, open) : name;
}
