/**
 * Java thread dumps: `jstack PID`, `jcmd PID Thread.print`, kill -3 (SIGQUIT)
 * on stdout, and Jenkins's /threadDump page. Java frames only: a forked
 * child never shows in them (it runs no Java), but the JVM thread that forked
 * it does, inside ProcessImpl.forkAndExec (signatures/jdk.yaml).
 *
 * Produced by: `jstack PID` / `jcmd PID Thread.print` (JDK 8-21), a JVM's
 * SIGQUIT dump, Jenkins's Manage Jenkins » Thread Dump. Samples (jstack; JDK
 * 19+ adds the native thread id in brackets; Jenkins prints Id=, Group= and
 * the state on the header line):
 *
 *   "SCM polling for demo-job" #12 daemon prio=5 os_prio=0 cpu=3.10ms elapsed=9.81s tid=0x00007f6e6c0ecdc0 nid=0x4d9e runnable  [0x00007f6e1eafd000]
 *      java.lang.Thread.State: RUNNABLE
 *   	at java.lang.ProcessImpl.forkAndExec(java.base@17.0.9/Native Method)
 *   	at java.lang.ProcessImpl.<init>(java.base@17.0.9/ProcessImpl.java:314)
 *   	- locked <0x00000000c0a1b2c8> (a java.lang.Object)
 *
 *   "main" #1 [19856] prio=5 os_prio=0 cpu=48.92ms elapsed=9.90s tid=0x00007f6e6c02a6b0 nid=19856 waiting on condition  [0x00007f6e72dfe000]
 *
 *   "SCM polling for hudson.model.FreeStyleProject@1a2b3c[app]" Id=85 Group=main RUNNABLE (in native)
 *   	at java.lang.UNIXProcess.forkAndExec(Native Method)
 *
 * `jhsdb jstack --pid PID` (the Serviceability Agent, without --mixed) prints
 * the same headers and `- java.lang.Thread.sleep(long) @bci=0, line=5
 * (Interpreted frame)` frames; JDK 8's `jstack -F PID` (the same agent,
 * forced: what is left when a hung JVM does not answer plain jstack) heads
 * each thread with `Thread 23668: (state = IN_NATIVE)`, its LWP, no name.
 *
 * A thread is its quoted header line; its tid is the native id (JDK 19+'s
 * `[N]`, else `nid=0x…`, the Linux LWP); its frames are the `at` lines, the
 * method by its class-qualified name, the file and line as the source. Lock
 * notes (`- locked`, `- waiting on`, `- parking to wait for`), the state
 * line and the summary sections are not frames; the VM's own threads (a
 * header, no Java frame) are left out.
 */
import type { ParsedStack } from '../types.js';
import {
  currentThread,
  finishState,
  makeFrame,
  newState,
  openThread,
  parseIntOrNull,
  processLabel,
  processStarts,
  pushFrame,
  unpaste,
  type ParseState,
} from './common.js';

const HEADER_REST = /^(?: #\d{1,10})?(?: \[(\d{1,10})\])?/;
const NID = /\bnid=(?:0x([0-9a-fA-F]{1,16})|(\d{1,10}))\b/;
const FRAME = /^at ([\w$.<>/]{1,1000})\((.{0,2000})\)\s*$/;
/** `jhsdb jstack --pid PID` (not --mixed): `- java.lang.Thread.sleep(long) @bci=0, line=5 (Interpreted frame)`. */
const SA_FRAME = /^- ([\w$.<>/]{1,1000})\((.{0,2000}?)\) @bci=\d{1,10}(?:, line=(\d{1,9}))?/;
/** `java.base@17.0.9/ProcessImpl.java:314` → the file and line; `Native Method`, `Unknown Source` and `Compiled Code` have none. */
const WHERE = /^(?:[^/()]{1,256}\/)?([^/():]{1,512}):(\d{1,9})$/;
const STATE = /^java\.lang\.Thread\.State: ([A-Z_]{1,32})/;
/** JDK 8's `jstack -F` (the Serviceability Agent, forced): `Thread 23668: (state = IN_NATIVE)`, the LWP and no name. */
const SA_HEADER = /^Thread (\d{1,10}): \(state = ([A-Z_]{1,32})\)\s*$/;
/** `jcmd PID Thread.print` starts with the pid alone (`19855:`), jhsdb with `Attaching to process ID 19855, please wait...`. */
const PROCESS_PID = /^(?:(\d{1,10}):\s*$|Attaching to process ID (\d{1,10})\b)/;

/** What one line of a Java thread dump is (the line as printed, indentation taken off). */
export type JavaDumpLine =
  | { kind: 'header'; name: string | null; tid: number | null; state?: string }
  | { kind: 'frame'; method: string; where: string; source: string | null }
  | { kind: 'state'; state: string }
  | { kind: 'pid'; pid: number }
  | { kind: 'blank' }
  | { kind: 'other' };

/**
 * One line of a Java thread dump, read: the one place that knows the
 * format, shared by this reader and the daemon's own thread dumps
 * (src/capture/thread-dump.ts, `jcmd PID Thread.print` of a watched JVM).
 */
export function readJavaDumpLine(line: string): JavaDumpLine {
  if (line === '') return { kind: 'blank' };
  const f = FRAME.exec(line);
  if (f) {
    const at = WHERE.exec(f[2]!.trim());
    return { kind: 'frame', method: f[1]!, where: f[2]!, source: at ? `${at[1]!}:${at[2]!}` : null };
  }
  const sa = SA_FRAME.exec(line);
  if (sa) return { kind: 'frame', method: sa[1]!, where: sa[2]!, source: sa[3] !== undefined ? `line ${sa[3]}` : null };
  if (line.startsWith('"')) return header(line);
  const forced = SA_HEADER.exec(line);
  if (forced) return { kind: 'header', name: null, tid: Number(forced[1]), state: forced[2]! };
  const state = STATE.exec(line);
  if (state) return { kind: 'state', state: state[1]! };
  const pid = PROCESS_PID.exec(line);
  if (pid) return { kind: 'pid', pid: Number(pid[1] ?? pid[2]) };
  return { kind: 'other' };
}

/** `"name" #12 [19856] daemon prio=5 … nid=0x4d9e …`: the name up to the last quote (or the line's end), the native id. */
function header(line: string): JavaDumpLine {
  const close = line.lastIndexOf('"');
  const name = close > 0 ? line.slice(1, close) : line.slice(1);
  const rest = close > 0 ? line.slice(close + 1) : '';
  const bracket = HEADER_REST.exec(rest)?.[1];
  const nid = NID.exec(rest);
  const tid =
    parseIntOrNull(bracket) ?? (nid ? (nid[1] !== undefined ? Number.parseInt(nid[1], 16) : Number(nid[2])) : null);
  return { kind: 'header', name, tid };
}

export function parseJstack(text: string): ParsedStack {
  const { state, lines } = newState('jstack', text);
  lines.forEach((line, i) => parseJstackLine(state, unpaste(line).trimEnd(), i + 1));
  // the VM's own threads (VM Thread, GC and compiler threads) have a header and no Java frame: nothing to read
  state.threads = state.threads.filter((t) => t.frames.length > 0);
  return finishState(state);
}

function parseJstackLine(s: ParseState, line: string, lineNo: number): void {
  const read = readJavaDumpLine(line);
  switch (read.kind) {
    case 'frame': {
      const frame = makeFrame({ fn: read.method });
      if (read.source !== null) frame.source = read.source;
      pushFrame(s, currentThread(s), frame, lineNo);
      return;
    }
    case 'header':
      openThread(s, read.tid, read.name);
      return;
    case 'pid':
      processStarts(s, read.pid);
      return;
    case 'other':
      processLabel(s, line);
      return;
    default:
  }
}
