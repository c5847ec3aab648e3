/**
 * dbx `where`: Oracle Developer Studio's dbx on Solaris / illumos, and IBM's
 * dbx on AIX.
 *
 * Produced by: `dbx - PID` then `where` (or `where -h`, `where t@3`), on
 * Solaris; `dbx -a PID` then `where` on AIX. Samples (Solaris, the current
 * frame marked `=>`; AIX, no frame numbers, `??` for unread arguments):
 *
 *   current thread: t@1
 *   =>[1] __lwp_park(0x0, 0x0, 0x0, 0x0, 0x0, 0x0), at 0xfeeb6c55
 *     [2] mutex_lock_queue(0xfef82a00, 0x0, 0x8061b28, 0xfef82000, 0x0, 0x0), at 0xfeeaef62
 *     [3] mutex_lock_impl(0x8061b28, 0x0), at 0xfeeaf6a0
 *     [4] child_setup(), line 42 in "spawn.c"
 *
 *   (dbx) where
 *   _event_sleep(??, ??, ??, ??, ??, ??) at 0x9000000005b1b08
 *   _mutex_lock(0x0, 0x0, 0x0) at 0x900000000590f2c
 *   child_setup(), line 42 in "spawn.c"
 *
 * A thread starts at a thread line (`current thread: t@N`, `Thread t@N:`,
 * `t@N (l@M) stopped in …`, AIX's `thread current N`) or when frame `[1]`
 * comes again. `Attached to process N` starts a process. A frame's name is
 * what comes before its argument list; AIX's unnamed frames (`.()`,
 * `unnamed block`) have none.
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
  warnUnrecognised,
  type ParseState,
} from './common.js';
import { lastGroupOpen } from './groups.js';

/** Solaris: `=>[1] body`, `  [2] body`. */
const NUMBERED = /^(?:=>)?\s{0,4}\[(\d{1,6})\]\s{1,4}(\S.{0,4000})$/;
/** Where the frame is: `, at 0xADDR` (Solaris), ` at 0xADDR` (AIX), `, line N in "file"` (both; `in file "f"` too). */
const WHERE = /,? (?:at (0x[0-9a-fA-F]{1,16})|line (\d{1,9}) in (?:file )?"([^"]{0,1000})")\s*$/;
const THREAD = /^(?:current thread: |Thread )?t@(\d{1,10})\b(?: \(l@(\d{1,10})\))?(?::|\s+stopped in |\s*$)/;
const AIX_THREAD = /^thread current (\d{1,10})\s*$/;
/** dbx's prompt (the other debuggers' are taken off by unpaste). */
const DBX_PROMPT = /^\(dbx\) {0,4}/;
const ATTACHED = /^Attached to process (\d{1,10})\b/;
const UNNAMED = /^(?:\.|unnamed block(?: \S{1,64})?|\?{1,16}|0x[0-9a-fA-F]{1,16})$/;

interface DbxState extends ParseState {
  lastNumber: number | null;
}

export function parseDbx(text: string): ParsedStack {
  const { state, lines } = newState('dbx', text);
  const s: DbxState = Object.assign(state, { lastNumber: null });
  lines.forEach((line, i) => parseDbxLine(s, unpaste(line).replace(DBX_PROMPT, ''), i + 1));
  return finishState(s);
}

function parseDbxLine(s: DbxState, line: string, lineNo: number): void {
  if (line.trim() === '') return;
  const numbered = NUMBERED.exec(line);
  if (numbered) {
    const n = Number(numbered[1]);
    const frame = frameFrom(numbered[2]!);
    if (frame === null) return warnUnrecognised(s, lineNo, line);
    // frame [1] again (or a number that does not follow) is the next thread's stack
    if (s.lastNumber !== null && n <= s.lastNumber) openThread(s, null, null);
    s.lastNumber = n;
    pushFrame(s, currentThread(s), frame, lineNo);
    return;
  }
  const thread = THREAD.exec(line) ?? AIX_THREAD.exec(line);
  if (thread) {
    openThread(s, parseIntOrNull(thread[2] ?? thread[1]), `t@${thread[1]}`);
    s.lastNumber = null;
    return;
  }
  const attached = ATTACHED.exec(line);
  if (attached) {
    processStarts(s, Number(attached[1]));
    s.lastNumber = null;
    return;
  }
  if (processLabel(s, line)) return;
  const frame = frameFrom(line);
  if (frame) pushFrame(s, currentThread(s), frame, lineNo);
}

/** `name(args), at 0x…` / `name(args) at 0x…` / `name(args), line N in "file"`; null when the line is none of these. */
function frameFrom(body: string): Frame | null {
  const where = WHERE.exec(body);
  if (!where) return null;
  const head = body.slice(0, where.index).trimEnd();
  const open = lastGroupOpen(head);
  if (open < 0) return null;
  const name = head.slice(0, open).trim();
  const unnamed = UNNAMED.test(name);
  // prose is not a frame: a name has no spaces but C++'s (`operator new`, `ns::f<a, b>`)
  if (!unnamed && (name === '' || (/\s/.test(name) && !/::|operator|</.test(name)))) return null;
  return makeFrame({
    fn: unnamed ? null : name,
    address: where[1] ?? null,
    ...(where[2] !== undefined ? { source: `${where[3]!}:${where[2]}` } : {}),
  });
}
