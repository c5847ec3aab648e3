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
 * from the thread line; a hung thread has that one path. Depth is a frame's
 * count column relative to its thread line's (indentation added by pasting
 * shifts both). Frames are returned innermost first, as every reader does.
 * `???` is no name. The summary sections after the graph are not frames.
 */
import type { Frame, ParsedStack, Thread } from '../types.js';
import { finishState, makeFrame, newState, openThread, pushFrame, type ParseState } from './common.js';

const TREE = /^[ \t>+!:|]{0,1024}/;
const THREAD = /^(\d{1,10}) Thread_(\d{1,20})?(\S{0,64})(.{0,2000})$/;
const FRAME_HEAD = /^(\d{1,10}) (.+)$/;
const IN_MODULE = '  (in ';
const TAIL = /^(?: \+ (\d{1,12}))?(?: {2}load address 0x[0-9a-fA-F]{1,16} \+ 0x[0-9a-fA-F]{1,16})? {2}\[(0x[0-9a-fA-F]{1,16})(?:,0x[0-9a-fA-F]{1,16}){0,8}\](?: {2}(\S.{0,1000}))?$/;
const PID = /^(?:Analysis of sampling .{0,512} \(pid (\d{1,10})\)|Process:\s{1,64}.{0,512}\[(\d{1,10})\])/;
const END_OF_GRAPH = /^(?:Total number in stack|Sort by top of stack|Binary Images:)/;
const SOURCE = /^([^\s:]{1,1000}):(\d{1,9})$/;

interface SampleState extends ParseState {
  thread: Thread | null;
  threadColumn: number;
  /** The heaviest path so far, outermost first; null once a frame left it. */
  path: Frame[] | null;
  graphDone: boolean;
}

export function parseMacosSample(text: string): ParsedStack {
  const { state, lines } = newState('macos-sample', text);
  const s: SampleState = Object.assign(state, { thread: null, threadColumn: 0, path: [] as Frame[] | null, graphDone: false });
  lines.forEach((line, i) => parseSampleLine(s, line, i + 1));
  closeThread(s, lines.length);
  return finishState(s);
}

function parseSampleLine(s: SampleState, line: string, lineNo: number): void {
  if (s.graphDone) return;
  const tree = TREE.exec(line)![0];
  const column = tree.length;
  const body = line.slice(column);
  if (END_OF_GRAPH.test(body)) {
    s.graphDone = true;
    return;
  }
  const pid = PID.exec(body);
  if (pid) {
    s.pid ??= Number(pid[1] ?? pid[2]);
    return;
  }
  const thread = THREAD.exec(body);
  if (thread && !body.includes(IN_MODULE)) {
    closeThread(s, lineNo);
    const name = `${thread[3] ?? ''}${thread[4] ?? ''}`.replace(/^[:\s]+/, '').trim();
    s.thread = openThread(s, thread[2] !== undefined ? Number(thread[2]) : null, name === '' ? null : name.slice(0, 256));
    s.threadColumn = column;
    s.path = [];
    return;
  }
  const frame = s.thread && s.path ? frameOf(body) : null;
  if (!frame || !s.path) return;
  // Two columns per level under the thread line: level 0 is the outermost frame.
  const level = (column - s.threadColumn) / 2 - 1;
  if (level === s.path.length) s.path.push(frame);
  // The heaviest path ended (a sibling or a lighter branch follows): its frames are the thread's.
  else closeThread(s, lineNo);
}

function closeThread(s: SampleState, lineNo: number): void {
  if (s.thread && s.path) for (let i = s.path.length - 1; i >= 0; i--) pushFrame(s, s.thread, s.path[i]!, lineNo);
  s.path = null;
}

/** `NAME  (in MODULE) + OFFSET  [0xADDR]  file.c:12`, or null when the line is not a frame. */
function frameOf(body: string): Frame | null {
  const head = FRAME_HEAD.exec(body);
  if (!head) return null;
  const rest = head[2]!;
  const at = rest.indexOf(IN_MODULE);
  if (at <= 0) return null;
  const close = rest.indexOf(')', at + IN_MODULE.length);
  if (close < 0) return null;
  const tail = TAIL.exec(rest.slice(close + 1));
  if (!tail) return null;
  const name = rest.slice(0, at).trim();
  const moduleName = rest.slice(at + IN_MODULE.length, close);
  const frame = makeFrame({
    fn: name === '???' || name === '' ? null : name,
    module: moduleName === '<unknown binary>' || moduleName === '???' ? null : moduleName,
    offset: tail[1] !== undefined ? Number(tail[1]) : null,
    address: tail[2]!,
  });
  const source = tail[3] ? SOURCE.exec(tail[3].trim()) : null;
  if (source) frame.source = `${source[1]}:${source[2]}`;
  return frame;
}
