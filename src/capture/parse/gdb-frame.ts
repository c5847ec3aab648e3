/**
 * One gdb frame line's text, after `#N  [0xADDR in ]`: the function name, its
 * module (`from LIB`) or source (`at FILE:LINE`), as gdb prints it in a
 * backtrace, an `info threads` row or a wrapped continuation line. Pure,
 * linear in the line (one scan for the argument list, anchored regexes).
 */
import type { Frame } from '../types.js';
import { makeFrame, parseHex } from './common.js';

const SOURCE_TAIL = /^(.{1,4000}):(\d{1,9})$/;
const WRAPPED_AT = /(?:^|\) )at (\S{1,4000}):(\d{1,9})$/;
const SANITIZER_LOCATION = /^([^\s()]{1,1000}?):(\d{1,9})(?::\d{1,9})?$/;
const WRAPPED_FROM = /^from (\/\S{0,4000})$/;

/** A frame gdb wrapped at 80 columns: its `at FILE:LINE` or `from LIB` on the next line. */
export function completeWrapped(frame: Frame, line: string): boolean {
  const from = WRAPPED_FROM.exec(line);
  if (from && frame.module === null && frame.source === undefined) {
    frame.module = from[1]!;
    return true;
  }
  const at = WRAPPED_AT.exec(line);
  if (at && frame.module === null && frame.source === undefined) {
    frame.source = `${at[1]}:${at[2]}`;
    // The argument list's end came with it: `who@entry=atfork_run_prepare) at register-atfork.c:116`.
    if (frame.args !== undefined && frame.args !== null && at.index > 0)
      frame.args = `${frame.args} ${line.slice(0, at.index).trim()}`.slice(0, MAX_ARGS);
    return true;
  }
  return false;
}

/** `name (args) at file:line`, `name (args) from lib`, `?? ()`, `<signal handler called>`. */
export function frameFrom(address: string | undefined, rest: string) {
  const body = rest.trim();
  if (body.startsWith('<')) return makeFrame({ fn: body, address: address ?? null });
  const open = findArgsStart(body);
  if (open < 0) return frameWithoutArgs(address, body);
  const name = body.slice(0, open).trim();
  let module: string | null = null;
  let source: string | null | undefined;
  const tail = body.slice(Math.max(open, 0));
  const at = tail.lastIndexOf(') at ');
  const from = tail.lastIndexOf(') from ');
  if (from >= 0 && from > at) module = tail.slice(from + 7).trim() || null;
  else if (at >= 0) {
    const src = SOURCE_TAIL.exec(tail.slice(at + 5).trim());
    source = src ? `${src[1]}:${src[2]}` : tail.slice(at + 5).trim();
  }
  const frame = makeFrame({ fn: name, module, address: address ?? null, offset: offsetOf(name) });
  if (source !== undefined) frame.source = source;
  frame.args = argsOf(body, open);
  return frame;
}

/** Argument text kept per frame (the lock's symbol, glibc's `who=atfork_run_prepare`): at most this much. */
const MAX_ARGS = 2048;

/** The text inside the argument list that opens at ` (` (index `open`); to the line's end when gdb wrapped it. */
function argsOf(body: string, open: number): string {
  let depth = 0;
  for (let i = open + 1; i < body.length; i++) {
    const c = body[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return body.slice(open + 2, i).slice(0, MAX_ARGS);
  }
  return body
    .slice(open + 2)
    .trim()
    .slice(0, MAX_ARGS);
}

/**
 * A frame printed (or abridged by hand) without an argument list:
 * `#8  ns::{impl#8}::drop     at src/codegen.rs:1117`, `#2  0x.. in foo from /lib/libc.so.6`,
 * `#1 0x4a2f1 in f src/m.c:88:3` (sanitizers), `#3  foo`.
 */
function frameWithoutArgs(address: string | undefined, body: string) {
  const at = body.lastIndexOf(' at ');
  const src = at > 0 ? SOURCE_TAIL.exec(body.slice(at + 4).trim()) : null;
  if (src) {
    const frame = makeFrame({ fn: body.slice(0, at).trim(), address: address ?? null });
    frame.source = `${src[1]}:${src[2]}`;
    return frame;
  }
  const from = body.lastIndexOf(' from /');
  if (from > 0)
    return makeFrame({ fn: body.slice(0, from).trim(), module: body.slice(from + 6).trim(), address: address ?? null });
  // Sanitizer reports (ASan, TSan, LSan) print gdb's frame shape with a bare location: `#1 0x4a2f1 in f src/m.c:88:3`.
  const space = body.indexOf(' ');
  const loc = space > 0 ? SANITIZER_LOCATION.exec(body.slice(space + 1)) : null;
  if (loc) {
    const frame = makeFrame({ fn: body.slice(0, space), address: address ?? null });
    frame.source = `${loc[1]}:${loc[2]}`;
    return frame;
  }
  return makeFrame({ fn: body, address: address ?? null, offset: offsetOf(body) });
}

/** Index of the ` (` that opens the argument list: the first one outside C++ `<...>` and `(...)`. */
function findArgsStart(body: string): number {
  let angle = 0;
  let paren = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '<') angle++;
    else if (c === '>') angle = Math.max(0, angle - 1);
    else if (c === ')') paren = Math.max(0, paren - 1);
    else if (c === '(') {
      if (angle === 0 && paren === 0 && i > 0 && body[i - 1] === ' ') return i - 1;
      paren++;
    }
  }
  return -1;
}

/** gdb prints `fn+0x1c` only for some minimal-symbol frames; keep the number where it does. */
function offsetOf(name: string): number | null {
  const m = /\+(0x[0-9a-fA-F]{1,16})$/.exec(name);
  return m ? parseHex(m[1]) : null;
}
