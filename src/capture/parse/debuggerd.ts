/**
 * Android's native backtraces (libunwindstack): tombstones, `debuggerd -b`,
 * the native frames of an ANR trace, and a crash as logcat shows it. Every
 * app on Android is a child that zygote forked and never exec'd, so a
 * zygote-forked child hung on a lock its parent held is pasted in this shape.
 *
 * Produced by: `debuggerd -b PID` (all threads, one block each), the tombstone
 * written on a crash (/data/tombstones, `adb bugreport`), an ANR trace
 * (/data/anr, Java threads with their `native:` frames), `adb logcat` of a
 * crash (each line behind logcat's prefix, which the harness-prefix pass takes
 * off). Sample (a tombstone's thread, `debuggerd -b`, an ANR thread):
 *
 *   pid: 819, tid: 833, name: magiskd  >>> magiskd <<<
 *   backtrace:
 *         #00 pc 000000000004b08c  /apex/com.android.runtime/lib64/bionic/libc.so (syscall+28) (BuildId: c78c…)
 *         #01 pc 0000000000042bb8  /apex/com.android.runtime/lib64/bionic/libc.so (scudo::HybridMutex::lockSlow()+120)
 *
 *   ----- pid 20722 at 2022-09-02 16:19:12 -----
 *   "main" sysTid=20722
 *     #00 pc 000000000004e4f4  /system/lib64/libc.so (syscall+36)
 *     #01 pc 0000000000012340  /data/app/~~x==/com.foo-y==/base.apk!libfoo.so (offset 0x2c000) (child_main+40)
 *
 *   "main" prio=5 tid=1 Native
 *     | group="main" sCount=1 ucsCount=0 flags=1 obj=0x72f8a0c8 self=0xb400007a
 *     | sysTid=22980 nice=-10 cgrp=top-app sched=0/0 handle=0x7b52a1e4f8
 *     kernel: futex_wait_queue_me+0xf4/0x170
 *     native: #01 pc 0000000000070d84  /apex/com.android.runtime/lib64/bionic/libc.so (__futex_wait_ex(void volatile*, bool, int, bool, timespec const*)+140)
 *     native: #02 pc 000000000007be6c  /apex/com.android.runtime/lib64/bionic/libc.so (sem_wait+116)
 *     at java.lang.Object.wait(Native method)
 *
 * Older releases print two spaces after the frame number (`#00  pc 0001a2b4`),
 * and on x86 the instruction pointer's name (`#00  eip: 00015351  /system/lib/libc.so (fn)`)
 * and no BuildId. The function is the last parenthesised group of the line
 * (after the module, before the BuildId), C++ parameter lists and all; `???`
 * or none is no name. An APK's `(offset 0x…)` and a `(deleted)` mapping are
 * the module's. `kernel:` frames (an ANR trace's kernel stack, above the
 * native frames) are not kept: the user-space frames decide, as in every
 * other reader. Java `at` frames follow the native ones, innermost first.
 * Registers, memory and `stack:` dumps (`#00  SP VALUE …`, no `pc`) are
 * skipped.
 */
import type { Frame, ParsedStack } from '../types.js';
import {
  currentThread,
  finishState,
  makeFrame,
  newState,
  openThread,
  parseIntOrNull,
  processStarts,
  pushFrame,
  unpaste,
  type ParseState,
} from './common.js';
import { lastGroupOpen } from './groups.js';

const FRAME = /^(?:native: )?#(\d{1,6}) {1,4}(?:pc|eip:) ([0-9a-fA-F]{1,16}) {1,4}(\S.{0,4000})$/;
const TOMBSTONE_THREAD = /^pid: (\d{1,10}), tid: (\d{1,10}), name: (.{0,256}?)(?: {1,4}>>> .{0,1000} <<<)?\s*$/;
const DEBUGGERD_THREAD = /^"(.{0,256})" sysTid=(\d{1,10})\b/;
const ANR_THREAD = /^"(.{0,256})"(?: daemon)? prio=\d{1,4}\b/;
const ANR_SYSTID = /^\| sysTid=(\d{1,10})\b/;
const DUMP_PID = /^-{5} pid (\d{1,10}) at /;
const JAVA_AT = /^at ([\w$.<>/-]{1,512})\((.{0,1000})\)$/;
const BUILD_ID = / \(BuildId: [0-9a-fA-F]{1,128}\)$/;
const FN_OFFSET = /^(.{1,4000}?)\+(\d{1,12})$/;
const MODULE_NOTE = / \((?:offset 0x[0-9a-fA-F]{1,16}|deleted)\)$/;
const NO_NAME = /^\?{1,16}$/;

export function parseDebuggerd(text: string): ParsedStack {
  const { state, lines } = newState('debuggerd', text);
  lines.forEach((line, i) => parseDebuggerdLine(state, unpaste(line), i + 1));
  return finishState(state);
}

function parseDebuggerdLine(s: ParseState, line: string, lineNo: number): void {
  const f = FRAME.exec(line);
  if (f) {
    pushFrame(s, currentThread(s), frameFrom(f[2]!, f[3]!), lineNo);
    return;
  }
  const tomb = TOMBSTONE_THREAD.exec(line);
  if (tomb) {
    processStarts(s, parseIntOrNull(tomb[1]));
    openThread(s, parseIntOrNull(tomb[2]), tomb[3]!.trim() || null);
    return;
  }
  const dbg = DEBUGGERD_THREAD.exec(line);
  if (dbg) {
    openThread(s, parseIntOrNull(dbg[2]), dbg[1]!);
    return;
  }
  const anr = ANR_THREAD.exec(line);
  if (anr) {
    openThread(s, null, anr[1]!);
    return;
  }
  const sysTid = ANR_SYSTID.exec(line);
  if (sysTid) {
    const t = s.threads[s.threads.length - 1];
    if (t && t.tid === null) t.tid = parseIntOrNull(sysTid[1]);
    return;
  }
  const java = s.threads.length > 0 ? JAVA_AT.exec(line) : null;
  if (java) {
    pushFrame(s, currentThread(s), javaFrame(java[1]!, java[2]!), lineNo);
    return;
  }
  const dump = DUMP_PID.exec(line);
  if (dump) processStarts(s, parseIntOrNull(dump[1]));
}

/** `MODULE [(offset 0x…)] [(FUNC+OFF)] [(BuildId: …)]` after the pc. */
function frameFrom(pc: string, rest: string): Frame {
  let text = rest.trimEnd().replace(BUILD_ID, '');
  let fn: string | null = null;
  let offset: number | null = null;
  const group = lastGroup(text);
  if (group !== null && !MODULE_NOTE.test(text)) {
    text = text.slice(0, group.start).trimEnd();
    const m = FN_OFFSET.exec(group.inner);
    fn = m ? m[1]! : group.inner;
    offset = m ? Number(m[2]) : null;
    if (NO_NAME.test(fn)) fn = null;
  }
  const module = text.replace(MODULE_NOTE, '').trim();
  return makeFrame({ fn, offset, address: pc, module: module === '' ? null : module });
}

/** The line's last top-level `( … )` group (bounded by the line cap): its inside and where it opens. */
function lastGroup(text: string): { inner: string; start: number } | null {
  const i = lastGroupOpen(text);
  return i > 0 && text[i - 1] === ' ' ? { inner: text.slice(i + 1, -1), start: i } : null;
}

function javaFrame(name: string, where: string): Frame {
  const frame = makeFrame({ fn: name });
  if (where !== '' && !/^Native [Mm]ethod$/.test(where)) frame.source = where;
  return frame;
}
