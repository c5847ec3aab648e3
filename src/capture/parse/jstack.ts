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
 * (Interpreted frame)` frames.
 *
 * A thread is its quoted header line; its tid is the native id (JDK 19+'s
 * `[N]`, else `nid=0x…`, the Linux LWP); its frames are the `at` lines, the
 * method by its class-qualified name, the file and line as the source. Lock
 * notes (`- locked`, `- waiting on`, `- parking to wait for`), the state
 * line and the summary sections are not frames; the VM's own threads (a
 * header, no Java frame) are left out.
 */
import type { Frame, ParsedStack } from '../types.js';
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

const HEADER = /^"(.{0,512})"(?: #\d{1,10})?(?: \[(\d{1,10})\])?(?: daemon)?(?: |$)(.{0,2000})$/;
const NID = /\bnid=(?:0x([0-9a-fA-F]{1,16})|(\d{1,10}))\b/;
const FRAME = /^at ([\w$.<>/]{1,1000})\((.{0,2000})\)\s*$/;
/** `jhsdb jstack --pid PID` (not --mixed): `- java.lang.Thread.sleep(long) @bci=0, line=5 (Interpreted frame)`. */
const SA_FRAME = /^- ([\w$.<>/]{1,1000})\(.{0,2000}?\) @bci=\d{1,10}(?:, line=(\d{1,9}))?/;
/** `java.base@17.0.9/ProcessImpl.java:314` → the file and line; `Native Method`, `Unknown Source` and `Compiled Code` have none. */
const WHERE = /^(?:[^/()]{1,256}\/)?([^/():]{1,512}):(\d{1,9})$/;
/** `jcmd PID Thread.print` starts with the pid alone (`19855:`), jhsdb with `Attaching to process ID 19855, please wait...`. */
const PROCESS_PID = /^(?:(\d{1,10}):\s*$|Attaching to process ID (\d{1,10})\b)/;

export function parseJstack(text: string): ParsedStack {
  const { state, lines } = newState('jstack', text);
  lines.forEach((line, i) => parseJstackLine(state, unpaste(line), i + 1));
  // the VM's own threads (VM Thread, GC and compiler threads) have a header and no Java frame: nothing to read
  state.threads = state.threads.filter((t) => t.frames.length > 0);
  return finishState(state);
}

function parseJstackLine(s: ParseState, line: string, lineNo: number): void {
  const f = FRAME.exec(line);
  if (f) {
    pushFrame(s, currentThread(s), frameFrom(f[1]!, f[2]!), lineNo);
    return;
  }
  const sa = SA_FRAME.exec(line);
  if (sa) {
    const frame = makeFrame({ fn: sa[1]! });
    if (sa[2] !== undefined) frame.source = `line ${sa[2]}`;
    pushFrame(s, currentThread(s), frame, lineNo);
    return;
  }
  const header = HEADER.exec(line);
  if (header) {
    const nid = NID.exec(header[3]!);
    const tid =
      parseIntOrNull(header[2]) ?? (nid ? (nid[1] !== undefined ? Number.parseInt(nid[1], 16) : Number(nid[2])) : null);
    openThread(s, tid, header[1]!);
    return;
  }
  const pid = PROCESS_PID.exec(line);
  if (pid) {
    processStarts(s, Number(pid[1] ?? pid[2]));
    return;
  }
  processLabel(s, line);
}

function frameFrom(method: string, where: string): Frame {
  const frame = makeFrame({ fn: method });
  const at = WHERE.exec(where.trim());
  if (at) frame.source = `${at[1]!}:${at[2]!}`;
  return frame;
}
