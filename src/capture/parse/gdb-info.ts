/**
 * gdb `info line *ADDR` and `info symbol ADDR` lists: what a reporter pastes
 * after resolving the addresses of a bare backtrace one by one. They have no
 * frame numbers: one thread, frames in the order listed.
 *
 * Produced by: `gdb -batch -nx -ex 'info line *0x7f3ea82e3482' -ex ... -p PID`
 * (one `-ex` per return address of `bt`), or `info symbol 0x...` the same way.
 * Sample (the suite's deadlocked child; info line, then info symbol, then the
 * shapes other gdb versions and sources print):
 *
 *   futex_wait (private=0, expected=2, futex_word=0x56064b40e1c0 <held_lock>) at ../sysdeps/nptl/futex-internal.h:146
 *   Line 48 of "./nptl/pthread_mutex_lock.c" starts at address 0x7f3ea82e3482 <___pthread_mutex_lock+274> and ends at 0x7f3ea82e348c <___pthread_mutex_lock+284>.
 *   pthread_mutex_lock + 274 in section .text of /lib/x86_64-linux-gnu/libc.so.6
 *   No symbol matches 0x00007f3ea832b9e8.
 *   0x4a2f1 is in arena_lock_slow (src/mutex.c:88).
 *   No line number information available for address 0x7f3ea82dd12b <__lll_lock_wait+43>
 *
 * The current-location line gdb prints on attach (first line above) is frame
 * 0 when it comes before any entry. At 80 columns gdb wraps `info line` after
 * the file name: `Line N of "F"` then `starts at address ...`.
 */
import type { Frame, ParsedStack } from '../types.js';
import {
  currentThread,
  finishState,
  makeFrame,
  newState,
  processStarts,
  pushFrame,
  unpaste,
  type ParseState,
} from './common.js';

const LINE_OF = /^Line (\d{1,9}) of "([^"]{1,1000})"/;
const STARTS_AT = /(?:starts at|is at) address 0x([0-9a-fA-F]{1,16}) <([^<>\s]{1,1000}?)(?:\+(\d{1,12}))?>/;
const IS_IN = /^0x([0-9a-fA-F]{1,16}) is in ([^\s(]{1,1000}) \(([^()\s]{1,1000}):(\d{1,9})\)\.?\s*$/;
const NO_LINE =
  /^No line number information available for address 0x([0-9a-fA-F]{1,16})(?: <([^<>\s]{1,1000}?)(?:\+(\d{1,12}))?>)?/;
const NO_SYMBOL = /^No symbol matches (?:0x)?([0-9a-fA-F]{1,16})\b/;
const IN_SECTION = /^(\S{1,1000}?)(?: \+ (\d{1,12}))? in section \S{1,200}(?: of (\S{1,1000}))?\s*$/;
const LOCATION =
  /^(?:0x([0-9a-fA-F]{1,16}) in )?([^\s(]{1,1000}) \(.{0,4000}\)(?: at (\S{1,1000}):(\d{1,9})| from (\S{1,1000}))\s*$/;
const PROCESS =
  /^(?:\[Inferior \d{1,6} \(process (\d{1,10})\) detached\]|Attaching to (?:program: .{0,1000}, )?process (\d{1,10}))/;

interface InfoState extends ParseState {
  /** `Line N of "F"` printed alone (wrapped): the source of the `starts at` line that follows. */
  pendingSource: string | null;
  entries: number;
}

export function parseGdbInfo(text: string): ParsedStack {
  const { state, lines } = newState('gdb-info', text);
  const s: InfoState = Object.assign(state, { pendingSource: null, entries: 0 });
  lines.forEach((line, i) => parseInfoLine(s, unpaste(line), i + 1));
  return finishState(s);
}

function parseInfoLine(s: InfoState, line: string, lineNo: number): void {
  const frame = entryFrom(s, line);
  if (frame) {
    const t = currentThread(s);
    // The first address listed is often the location line's own (frame 0): keep it once.
    if (s.entries++ === 0 && t.frames.length === 1 && sameAddress(t.frames[0]!.address, frame.address))
      t.frames.length = 0;
    pushFrame(s, t, frame, lineNo);
    return;
  }
  const loc = s.entries === 0 && currentThread(s).frames.length === 0 ? LOCATION.exec(line) : null;
  if (loc) {
    const source = loc[3] === undefined ? undefined : `${loc[3]}:${loc[4]}`;
    pushFrame(
      s,
      currentThread(s),
      withSource(makeFrame({ fn: loc[2]!, address: loc[1] ?? null, module: loc[5] ?? null }), source),
      lineNo,
    );
    return;
  }
  const p = PROCESS.exec(line);
  if (p) processStarts(s, Number(p[1] ?? p[2]));
}

/** One listed address, or null when the line is none. */
function entryFrom(s: InfoState, line: string): Frame | null {
  const lineOf = LINE_OF.exec(line);
  const starts = STARTS_AT.exec(line);
  if (lineOf && !starts) {
    s.pendingSource = `${lineOf[2]}:${lineOf[1]}`;
    return null;
  }
  if (starts) {
    const source = lineOf ? `${lineOf[2]}:${lineOf[1]}` : (s.pendingSource ?? undefined);
    s.pendingSource = null;
    return withSource(
      makeFrame({ fn: starts[2]!, address: starts[1]!, offset: starts[3] === undefined ? null : Number(starts[3]) }),
      source,
    );
  }
  const isIn = IS_IN.exec(line);
  if (isIn) return withSource(makeFrame({ fn: isIn[2]!, address: isIn[1]! }), `${isIn[3]}:${isIn[4]}`);
  const noLine = NO_LINE.exec(line);
  if (noLine)
    return makeFrame({
      fn: noLine[2] ?? null,
      address: noLine[1]!,
      offset: noLine[3] === undefined ? null : Number(noLine[3]),
    });
  const noSym = NO_SYMBOL.exec(line);
  if (noSym) return makeFrame({ fn: null, address: noSym[1]! });
  const sec = IN_SECTION.exec(line);
  if (sec)
    return makeFrame({ fn: sec[1]!, offset: sec[2] === undefined ? null : Number(sec[2]), module: sec[3] ?? null });
  return null;
}

function sameAddress(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a.replace(/^0x0*/, '') === b.replace(/^0x0*/, '');
}

function withSource(frame: Frame, source: string | undefined): Frame {
  if (source !== undefined) frame.source = source;
  return frame;
}
