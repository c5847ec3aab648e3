/**
 * illumos / Solaris `pstack` output.
 *
 * Produced by: `pstack PID` (/usr/bin/pstack; also `pstack core`). Sample (the
 * seed report, illumos #1667, `pstack 25726 | head`):
 *
 *   25726: ./a.out 128
 *   -----------------  lwp# 1 / thread# 1  --------------------
 *   fee92ae9 lwp_park (0, 0, 0)
 *   fee8ca55 mutex_lock_impl (fef79120, 0, 68, 518941d, 5b, f6dc3f84) + 291
 *   f6dcc80c finalize_common (1) + a1
 *   fb00a152 ???????? (0, fb0080f9, e6a0ce70)
 *   fb002f69 * java/lang/UNIXProcess.forkAndExec(II[B[B[BI[BI[B[IZ)I+0
 *
 * The lwp header appears only for multi-threaded processes; offsets after
 * ` + ` are hex without 0x. (Linux's gdb-based `pstack`/`gstack` print gdb's
 * format: see gdb.ts.)
 *
 * AIX `procstack PID` (/usr/bin/procstack) prints the same shape with a tid
 * header per thread, 0x before addresses and offsets, and `??` for each
 * argument it cannot read:
 *
 *   12345: /usr/java8_64/jre/bin/java -jar agent.jar
 *   ---------- tid# 4567891 (pthread ID:      1) ----------
 *   0x0900000000581eb4  _event_sleep(??, ??, ??, ??, ??, ??) + 0x474
 *   0x0900000000590f2c  _mutex_lock(??, ??, ??) + 0x26c
 *   0x09000000005d9b10  pthread_mutex_lock(??) + 0x10
 */
import type { ParsedStack } from '../types.js';
import {
  currentThread,
  finishState,
  makeFrame,
  newState,
  openThread,
  parseHex,
  processLabel,
  processStarts,
  pushFrame,
  unpaste,
  warnUnrecognised,
  type ParseState,
} from './common.js';

const PROCESS_HEADER = /^(?:core '[^']{0,1024}' of )?(\d{1,10}):\s+\S/;
const FRAME = /^\s*(?:0x)?([0-9a-fA-F]{1,16})\s+(\S.*)$/;
const OFFSET_TAIL = /^\s*(?:\+\s*(?:0x)?(-?[0-9a-fA-F]{1,16}))?\s*(?:\(line \d+\))?\s*$/;
/** AIX procstack: `---------- tid# 4567891 (pthread ID:      1) ----------`. */
const AIX_THREAD =
  /^-{3,64}\s{1,8}tid#\s{0,8}(\d{1,12})\s{0,8}(?:\(pthread ID:\s{0,16}(\d{1,12})\))?\s{0,8}-{0,64}\s*$/;

export function parsePstack(text: string): ParsedStack {
  const { state, lines } = newState('pstack', text);
  // as pasted: quote marks, indentation and prompts off (a frame line's own leading space is no part of it)
  lines.forEach((line, i) => parsePstackLine(state, unpaste(line), i + 1));
  return finishState(state);
}

function parsePstackLine(s: ParseState, line: string, lineNo: number): void {
  if (line.trim() === '') return;
  if (line.startsWith('---') && /(?:lwp|thread)#/.test(line)) {
    const lwp = /lwp#\s*(\d{1,10})/.exec(line);
    const thr = /thread#\s*(\d{1,10})/.exec(line);
    openThread(s, lwp ? Number(lwp[1]) : null, thr ? `thread# ${thr[1]}` : null);
    return;
  }
  const aix = AIX_THREAD.exec(line);
  if (aix) {
    openThread(s, Number(aix[1]), aix[2] !== undefined ? `pthread ID ${aix[2]}` : null);
    return;
  }
  const header = PROCESS_HEADER.exec(line);
  if (header) {
    processStarts(s, Number(header[1]));
    return;
  }
  if (processLabel(s, line)) return;
  const m = FRAME.exec(line);
  if (!m || !parseFrameRest(s, m[1]!, m[2]!, lineNo)) warnUnrecognised(s, lineNo, line);
}

/** `name (args) + off`, `name`, `* java/Frame.name(sig)+off`; false when it is none of these. */
function parseFrameRest(s: ParseState, address: string, rest: string, lineNo: number): boolean {
  const body = rest.trim();
  const frame = body.startsWith('*') ? parseJavaFrame(body) : parseNativeFrame(body);
  if (!frame) return false;
  pushFrame(s, currentThread(s), makeFrame({ fn: frame.name, offset: frame.offset, address }), lineNo);
  return true;
}

/** `name (args) + off` or a bare `name` / `name + off`. */
function parseNativeFrame(body: string): { name: string; offset: number | null } | null {
  const open = body.indexOf('(');
  if (open <= 0) {
    const m = /^([^\s(]+)(?:\s*\+\s*([0-9a-fA-F]{1,16}))?$/.exec(body);
    return m ? { name: m[1]!, offset: parseHex(m[2]) } : null;
  }
  const close = body.lastIndexOf(')');
  if (close < open) return null;
  const tail = OFFSET_TAIL.exec(body.slice(close + 1));
  const name = body.slice(0, open).trim();
  if (!tail || name === '' || (/\s/.test(name) && !name.includes('::'))) return null;
  return { name, offset: parseHex(tail[1]) };
}

/** `* java/lang/Object.wait(J)V+0` (interpreted) or `* *java/...` (compiled): kept whole, minus the offset. */
function parseJavaFrame(body: string): { name: string; offset: number | null } | null {
  const m = /^\*\s?\*?(\S+?)(?:\+(-?\d{1,10}))?(?:\s+\(line \d{1,10}\))?$/.exec(body);
  if (!m) return null;
  return { name: m[1]!, offset: m[2] === undefined ? null : Number(m[2]) };
}
