/**
 * macOS `sample` (and Activity Monitor's "Sample Process") call graphs.
 *
 * Produced by: `sample PID 1` (or `sample NAME -f out.txt`). Sample, the
 * shape Apple's tool prints (a tree per thread, callers outermost, the count
 * of samples that went through each frame, two columns per level; `+`, `!`,
 * `:` and `|` are only the tree's connecting lines):
 *
 *   Analysis of sampling child (pid 4242) every 1 millisecond
 *   Call graph:
 *       2774 Thread_123   DispatchQueue_1: com.apple.main-thread  (serial)
 *       + 2774 start  (in libdyld.dylib) + 1  [0x7fff6a1b3cc9]
 *       +   2774 main  (in child) + 52  [0x10a8f1e34]
 *       +     2774 pthread_mutex_lock  (in libsystem_pthread.dylib) + 100  [0x7fff6a3a4b1d]
 *       +       2774 __psynch_mutexwait  (in libsystem_kernel.dylib) + 10  [0x7fff6a2e6e0a]
 *       2774 Thread_124
 *         2774 start_wqthread  (in libsystem_pthread.dylib) + 15  [0x7fff6a3a1b77]
 *   Total number in stack (recursive counted multiple times):
 *
 * A thread's stack is the heaviest path: children are printed heaviest
 * first, so it is the run of frames each one level deeper than the last,
 * from the thread's first frame; a hung thread has that one path. Depth is a
 * frame's count column (indentation added by pasting shifts every line
 * alike; any step deeper counts, two columns or not). Frames are returned
 * innermost first, as every reader does. `???` is no name. The summary
 * sections after the graph are not frames.
 *
 * Tolerated as pasted: spindump's and older Activity Monitor's frame order
 * (`23 fn + 13 (in libsystem_c.dylib) [0x7fff…]`, under `Thread 0x10a` and
 * `User stack:`; its `Kernel stack:` frames are not the process's), one
 * space instead of two, a line cut before its `[0x…]` address or inside
 * `(in …`, a graph pasted without its thread line (one thread), and a
 * graph whose indentation a renderer collapsed (every frame in one column:
 * the frames in order while the counts do not grow; spindump's "Heaviest
 * stack" is printed so). spindump (macOS 10.13+) puts the module with its
 * own offset in the parentheses: `770  fn + 16 (file.cpp:283 in libc++.1.dylib
 * + 78548) [0x19ae1e2d4]`; its kernel frames (`*770 …`) are not read.
 */
import type { Frame, ParsedStack, Thread } from '../types.js';
import { finishState, makeFrame, newState, openThread, processStarts, pushFrame, type ParseState } from './common.js';

const TREE = /^[ \t>+!:|]{0,1024}/;
const THREAD = /^(\d{1,10}) Thread_(\d{1,20})?(\S{0,64})(.{0,2000})$/;
/** spindump / older Activity Monitor: `Thread 0x10a  DispatchQueue 1  …`. */
const SPIN_THREAD = /^Thread (0x[0-9a-fA-F]{1,16})\b(.{0,2000})$/;
/** spindump's thread line counts its samples: `Thread 0x10a    1001 samples (1-1001)    priority 31`. */
const SPIN_SAMPLES = /\b(\d{1,10}) samples?\b/;
const USER_STACK = /^User stack:\s*$/;
const KERNEL_STACK = /^Kernel stack:\s*$/;
const FRAME_HEAD = /^(\d{1,10})\s{1,16}(\S.{0,4000})$/;
const IN_MODULE = /\s\(in ([^)]{0,512})(\)?)/;
const NAME_OFFSET = /^(.{1,4000}?)\s\+\s(\d{1,12})$/;
const TAIL_OFFSET = /^\s{0,16}\+\s(\d{1,12})/;
const TAIL_ADDRESS = /\[(0x[0-9a-fA-F]{1,16})(?:,0x[0-9a-fA-F]{1,16}){0,8}\](?:\s{1,16}(\S.{0,1000}))?$/;
const PID = /^(?:Analysis of sampling .{0,512} \(pid (\d{1,10})\)|Process:\s{1,64}.{0,512}\[(\d{1,10})\])/;
const END_OF_GRAPH = /^(?:Total number in stack|Sort by top of stack|Binary Images:)/;
const SOURCE = /^([^\s:]{1,1000}):(\d{1,9})$/;
/** spindump (macOS 10.13+): `fn + 16 (file.cpp:283 in libc++.1.dylib + 78548) [0x19ae1e2d4]`, `fn + 8 (libsystem_kernel.dylib + 15004) [0x…]`: tested at each ` (`. */
const SPINDUMP_WHERE =
  / \((?:([^()]{1,1000}) in )?([^\s()]{1,512}) \+ (\d{1,12})\)(?: \[(0x[0-9a-fA-F]{1,16})\])?(?=\s|$)/y;
/** At most this many ` (` of a line are tried as spindump's location (a C++ name has a few). */
const MAX_OPEN_PARENS = 16;

interface PathFrame {
  frame: Frame;
  column: number;
  count: number;
}

interface SampleState extends ParseState {
  thread: Thread | null;
  /** The open thread's sample count as its line gives it (null: not printed, or no thread line). */
  threadSamples: number | null;
  /** The heaviest path so far, outermost first; null once a frame left it (or in a kernel stack). */
  path: PathFrame[] | null;
  graphDone: boolean;
}

export function parseMacosSample(text: string): ParsedStack {
  const { state, lines } = newState('macos-sample', text);
  const s: SampleState = Object.assign(state, {
    thread: null,
    threadSamples: null,
    path: [] as PathFrame[] | null,
    graphDone: false,
  });
  lines.forEach((line, i) => parseSampleLine(s, line, i + 1));
  closeThread(s, lines.length);
  return finishState(s);
}

function parseSampleLine(s: SampleState, line: string, lineNo: number): void {
  const column = TREE.exec(line)![0].length;
  const body = line.slice(column).trimEnd();
  const pid = PID.exec(body);
  if (pid) {
    // a second sample pasted after the first: its graph is another process's
    if (processStarts(s, Number(pid[1] ?? pid[2]))) {
      closeThread(s, lineNo);
      s.thread = null;
      s.path = [];
      s.graphDone = false;
    }
    return;
  }
  if (s.graphDone) return;
  if (END_OF_GRAPH.test(body)) {
    s.graphDone = true;
    return;
  }
  if (threadLine(s, body, lineNo)) return;
  if (USER_STACK.test(body) || KERNEL_STACK.test(body)) {
    // A kernel stack follows the thread's user stack: the path so far is the thread's.
    if (KERNEL_STACK.test(body)) closeThread(s, lineNo);
    return;
  }
  const frame = frameOf(body, s.thread !== null);
  if (!frame) return;
  // A graph pasted without its thread line: its frames are one thread's.
  if (!s.thread && frame.frame.module !== null) openSampleThread(s, lineNo, null, null);
  if (!s.path) return;
  frame.column = column;
  if (onPath(s.path, frame)) s.path.push(frame);
  // The heaviest path ended (a sibling or a lighter branch follows): its frames are the thread's.
  else closeThread(s, lineNo);
}

/** A thread's line (`2774 Thread_123  DispatchQueue_1: …`, spindump's `Thread 0x10a …`) opens it; false when the line is none. */
function threadLine(s: SampleState, body: string, lineNo: number): boolean {
  const thread = THREAD.exec(body);
  if (thread && !IN_MODULE.test(body)) {
    const name = `${thread[3] ?? ''}${thread[4] ?? ''}`.replace(/^[:\s]+/, '').trim();
    openSampleThread(s, lineNo, thread[2] !== undefined ? Number(thread[2]) : null, name);
    s.threadSamples = Number(thread[1]);
    return true;
  }
  const spin = SPIN_THREAD.exec(body);
  if (spin) {
    openSampleThread(s, lineNo, Number.parseInt(spin[1]!, 16), spin[2]!.trim());
    const count = SPIN_SAMPLES.exec(spin[2]!);
    s.threadSamples = count ? Number(count[1]) : null;
    return true;
  }
  return false;
}

function openSampleThread(s: SampleState, lineNo: number, tid: number | null, name: string | null): void {
  closeThread(s, lineNo);
  s.thread = openThread(s, tid, name === null || name === '' ? null : name.slice(0, 256));
  s.threadSamples = null;
  s.path = [];
}

/**
 * Is this frame the next one of the heaviest path? One level deeper than the
 * last (any step right); in a graph whose indentation was collapsed (the
 * path's first two frames in one column), the next in the column while the
 * counts do not grow.
 */
function onPath(path: readonly PathFrame[], next: PathFrame): boolean {
  const last = path[path.length - 1];
  if (!last) return true;
  if (next.column > last.column) return path.length < 2 || path[1]!.column > path[0]!.column;
  return next.column === last.column && path[0]!.column === next.column && next.count <= last.count;
}

/**
 * The heaviest path becomes the thread's frames, innermost first, each with
 * its sample count; the thread's count is its line's, or its path's first
 * frame's when the line gives none (a graph pasted without it).
 */
function closeThread(s: SampleState, lineNo: number): void {
  if (s.thread && s.path && s.path.length > 0) {
    if (s.thread.samples === undefined) s.thread.samples = Math.max(s.threadSamples ?? 0, s.path[0]!.count);
    for (let i = s.path.length - 1; i >= 0; i--) {
      const { frame, count } = s.path[i]!;
      frame.samples = count;
      pushFrame(s, s.thread, frame, lineNo);
    }
  }
  s.path = null;
}

/**
 * `NAME  (in MODULE) + OFFSET  [0xADDR]  file.c:12` (sample), `NAME + OFFSET (in MODULE) [0xADDR]`
 * (spindump), either cut short; a bare `NAME` only inside a thread. Null when the line is not a frame.
 */
function frameOf(body: string, inThread: boolean): PathFrame | null {
  const head = FRAME_HEAD.exec(body);
  if (!head) return null;
  const rest = head[2]!;
  const inModule = IN_MODULE.exec(rest);
  if (!inModule) {
    const spin = spindumpFrame(rest);
    if (spin) return { frame: spin, column: 0, count: Number(head[1]) };
  }
  if (!inModule && !inThread) return null;
  let name = (inModule ? rest.slice(0, inModule.index) : rest).trim();
  let offset: number | null = null;
  const spun = NAME_OFFSET.exec(name);
  if (spun) [name, offset] = [spun[1]!.trim(), Number(spun[2])];
  if (name === '' || (!inModule && !/^[^\s[\]]{1,512}$/.test(name))) return null;
  const tail = inModule ? rest.slice(inModule.index + inModule[0].length) : '';
  const tailOffset = TAIL_OFFSET.exec(tail);
  if (tailOffset) offset = Number(tailOffset[1]);
  const address = TAIL_ADDRESS.exec(tail);
  const moduleName = inModule ? inModule[1]!.trim() : null;
  const frame = makeFrame({
    fn: name === '???' ? null : name,
    module:
      moduleName === null || moduleName === '' || moduleName === '<unknown binary>' || moduleName === '???'
        ? null
        : moduleName,
    offset,
    address: address ? address[1]! : null,
  });
  const source = address?.[2] ? SOURCE.exec(address[2].trim()) : null;
  if (source) frame.source = `${source[1]}:${source[2]}`;
  return { frame, column: 0, count: Number(head[1]) };
}

/** spindump's frame: the name (`+ N` its offset), then `(SOURCE in MODULE + N)` or `(MODULE + N)`, then the address; null when none fits. */
function spindumpFrame(rest: string): Frame | null {
  let open = rest.indexOf(' (');
  for (let tries = 0; open > 0 && tries < MAX_OPEN_PARENS; tries++) {
    SPINDUMP_WHERE.lastIndex = open;
    const where = SPINDUMP_WHERE.exec(rest);
    if (where) {
      let name = rest.slice(0, open).trim();
      let offset: number | null = null;
      const spun = NAME_OFFSET.exec(name);
      if (spun) [name, offset] = [spun[1]!.trim(), Number(spun[2])];
      const frame = makeFrame({
        fn: name === '???' ? null : name,
        module: where[2]!,
        offset,
        address: where[4] ?? null,
      });
      const source = where[1] ? SOURCE.exec(where[1].trim()) : null;
      if (source) frame.source = `${source[1]}:${source[2]}`;
      return frame;
    }
    open = rest.indexOf(' (', open + 2);
  }
  return null;
}
