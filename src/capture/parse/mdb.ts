/**
 * mdb stack output: `$C` (frame pointer + symbol), `$c` / `::stack` (symbol
 * only) and `::findstack -v` (bracketed first frame, "stack pointer" headers).
 *
 * Produced by: `mdb -p PID` (or `mdb core`) then `$C` (or `::stack`,
 * `::walk thread | ::findstack -v`); non-interactively
 * `echo '$C' | mdb -p PID`. Sample (the seed report, illumos #1667, verbatim,
 * with its truncated line and JIT frames that have no symbol):
 *
 *   b38e8008`__lwp_park+0x19(b5154a40, 0, b5eca148, 0)
 *   b38e8048`mutex_lock_impl+0x163(b5eca148, 0, b5e08143, b5ea0018, b5eb0e30, 0)
 *   b38e837c`fork+0x1d(93fcc00, b87a61a8, b87a61b0, e6a0ce24, 15, e6a0cd8c)
 *   b38e8480, b38e847c, b38e8478, 7, b38e8470)
 *   b38e8448 0xfb00a152(0, fb0080f9, e6a0ce70, e6a0ce60, e6a0ce50, 1)
 *
 * Also: `libc.so.1`_lwp_park+0x19(0, 0, 0)` and
 * `08047a48 libc.so.1`_read+0x15(0, 8047a78, 400)`.
 * A named frame's `address` is the frame pointer $C prints (mdb prints no pc
 * for it); a bare frame's `address` is its pc. A line that is only the tail of
 * an argument list (cut by the terminal or the tracker the dump was pasted
 * into) is skipped with a warning.
 */
import type { ParsedStack } from '../types.js';
import {
  currentThread,
  finishState,
  makeFrame,
  newState,
  openThread,
  parseHex,
  pushFrame,
  warnUnrecognised,
  type ParseState,
} from './common.js';

/** [fp(space|`)] [module`] symbol [+off] (args) — every part bounded, no nested quantifiers. */
const FRAME =
  /^\s{0,8}(?:\[\s{0,4})?(?:([0-9a-fA-F]{1,16})(?:\s{1,8}|`))?(?:([^\s`(]{1,256})`)?([^\s`(]{1,512})\((.{0,4000})\)\s{0,8}\]?\s*$/;
const SYMBOL_OFFSET = /^(.{1,512}?)\+(0x[0-9a-fA-F]{1,16}|[0-9a-fA-F]{1,16})$/;
const BARE_PC = /^0x([0-9a-fA-F]{1,16})$/;
const THREAD_HEADER = /^stack pointer for thread (\S{1,32})(?: \(([^)]{0,64})\))?:/;
const ARG_TAIL = /^[^(]{0,4000}\)\s*$/;

export function parseMdb(text: string): ParsedStack {
  const { state, lines } = newState('mdb', text);
  lines.forEach((line, i) => parseMdbLine(state, line, i + 1));
  return finishState(state);
}

function parseMdbLine(s: ParseState, line: string, lineNo: number): void {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('>')) return; // blank, or an mdb prompt echo
  const header = THREAD_HEADER.exec(trimmed);
  if (header) {
    openThread(
      s,
      /^\d+$/.test(header[1]!) ? Number(header[1]) : null,
      header[2] ? `${header[1]} (${header[2]})` : header[1]!,
    );
    return;
  }
  const m = FRAME.exec(line);
  if (m) {
    pushFrame(s, currentThread(s), frameFrom(m[1], m[2], m[3]!), lineNo);
    return;
  }
  if (ARG_TAIL.test(trimmed)) {
    s.warnings.add(`line ${lineNo}: truncated frame (only the end of an argument list) skipped`);
    return;
  }
  warnUnrecognised(s, lineNo, line);
}

function frameFrom(fp: string | undefined, module: string | undefined, symbol: string) {
  const bare = BARE_PC.exec(symbol);
  if (bare) return makeFrame({ fn: null, module: module ?? null, address: bare[1]! });
  const so = SYMBOL_OFFSET.exec(symbol);
  return makeFrame({
    fn: so ? so[1]! : symbol,
    module: module ?? null,
    offset: so ? parseHex(so[2]) : null,
    address: fp ?? null,
  });
}
