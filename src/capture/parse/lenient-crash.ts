/**
 * The lenient reader's crash-reporter and tool shapes (src/capture/parse/lenient.ts), one line each:
 * glibc backtrace_symbols(3) `/lib/libc.so.6(__libc_malloc+0x1c6) [0x7f…]`, boost::stacktrace
 * ` 2# func in /usr/lib/libmy.so`, Valgrind `at 0x4E3F4ED: fn (lowlevellock.S:135)`, Firefox's
 * MozStackWalk `#01: fn[module +0x98462]`, Breakpad/Crashpad minidump_stackwalk
 * ` 0  libc.so.6!fn [file.c : 35 + 0x1d]`, VS Code's Copy Call Stack `libc.so.6!fn(params) (file.c:35)`,
 * GEF's trace panel `[#0] 0x7ffff7e4b8d2 → __lll_lock_wait_private()`.
 * Each takes a cheap look at the line before its regex; null when the line is not its shape.
 */
import type { Frame } from '../types.js';
import { makeFrame, parseHex } from './common.js';

const HEX_ADDRESS = /^0x[0-9a-fA-F]{1,16}$/;
/** Valgrind: `at 0x4E3F4ED: __lll_lock_wait (lowlevellock.S:135)`, `by 0x4E3AC97: pthread_mutex_lock (in /usr/lib64/libpthread-2.17.so)`. */
const VALGRIND = /^(?:at|by) 0x([0-9a-fA-F]{1,16}): (\S{1,512}) \((in )?([^()]{1,1000})\)$/;
/** glibc backtrace_symbols(3): `/lib/libc.so.6(__libc_malloc+0x1c6) [0x7f…]`, `libc.so.6(+0x9a1e3) [0x7f…]` (no name). */
const BACKTRACE_SYMBOLS =
  /^(\S{1,1000}?)\(([A-Za-z_$][^\s()+]{0,511})?\+0x([0-9a-fA-F]{1,16})\) ?\[0x([0-9a-fA-F]{1,16})\]$/;
/** boost::stacktrace: ` 2# my_lib_call in /usr/lib/libmy.so`, ` 3# child_main at src/child.cpp:44`, ` 1# 0x00007F… in /lib/libc.so.6`. */
const BOOST_FRAME = /^(\d{1,6})# (\S.{0,1000}?)(?: (in|at) (\S.{0,1000}))?$/;
/** Firefox's MozFormatCodeAddress: `#01: pthread_mutex_lock[/lib/libc.so.6 +0x98462]`, `#02: ???[libxul.so +0x1a2b]`. */
const MOZ_FRAME = /^#(\d{1,6}): (.{1,1000}?)\[(\S{1,1000}) \+0x([0-9a-fA-F]{1,16})\]$/;
/** Breakpad's minidump_stackwalk: ` 0  libc.so.6!__lll_lock_wait [lowlevellock.c : 35 + 0x1d]`, ` 1  libc.so.6!malloc + 0x1c6`. */
const BREAKPAD_FRAME =
  /^(\d{1,6}) {2}([^\s!]{1,256})!(.{1,2000}?)(?: \[([^\]]{1,1000}) : (\d{1,9}) \+ 0x[0-9a-fA-F]{1,16}\]| \+ 0x([0-9a-fA-F]{1,16}))?$/;
/** Breakpad with no symbol: ` 3  libxul.so + 0x1a2b3c`. */
const BREAKPAD_BARE = /^(\d{1,6}) {2}([^\s!]{1,256}) \+ 0x([0-9a-fA-F]{1,16})$/;
/**
 * VS Code's "Copy Call Stack" (cpptools over gdb): `libc.so.6!__GI_raise(int sig) (/build/glibc-x/raise.c:50)`,
 * `libstdc++.so.6!__cxa_throw (Unknown Source:0)`, a frame of the program itself with no module:
 * `FunctionCall3Coll(FmgrInfo * flinfo) (./src/fmgr.c:1186)` (its parameter list is required then).
 */
const VSCODE_FRAME = /^(?:([^\s!()]{1,256})!)?(\S.{0,2000}?) \(([^()]{1,1000}):(\d{1,9})\)$/;
const VSCODE_UNKNOWN = /^\[Unknown\b.{0,200}\]$/;

/**
 * GEF's trace panel (the gdb extension's context: `[ trace ]`): `[#0] 0xf7fd3939 → __kernel_vsyscall()`,
 * `[#1] 0x7ffff7a62800 → Name: __printf(format=0x602830 "123456")` (older GEF), and for a frame with no
 * symbol the instruction at its address: `[#4] 0xf7e2ba64 → add esp, 0x10` (kept as an unnamed frame).
 * Its threads panel (`[#0] Id 1, Name: "app", stopped, reason: SIGINT`) has no address: never a frame.
 */
const GEF_FRAME = /^\[#(\d{1,6})\] 0x([0-9a-fA-F]{1,16}) (?:→|->) ?(.{0,4000})$/;
const GEF_NAMED = /^(?:Name: )?([A-Za-z_$][^\s(]{0,511})\(.{0,4000}\)$/;

/** A numbered frame and its number (the reader opens a thread at number 0). */
export interface Numbered {
  frame: Frame;
  number: number;
}

export function mozFrame(line: string): Numbered | null {
  const m = line.endsWith(']') && line.startsWith('#') ? MOZ_FRAME.exec(line) : null;
  return m ? { frame: makeFrame({ fn: m[2]!, module: m[3]!, offset: parseHex(m[4]) }), number: Number(m[1]) } : null;
}

/** GEF's threads panel: `[#0] Id 1, Name: "app", stopped 0x7f… in fn (), reason: SIGINT` (a thread's header, no frame). */
export function isGefThreadLine(line: string): boolean {
  return line.startsWith('[#') && GEF_THREAD.test(line);
}
const GEF_THREAD = /^\[#\d{1,6}\] Id \d{1,10}, /;

/** A GEF trace line: its symbol when it shows one (`name(args)`), else the address alone (GEF printed the instruction). */
export function gefFrame(line: string): Numbered | null {
  const m = line.startsWith('[#') ? GEF_FRAME.exec(line) : null;
  if (!m) return null;
  const named = GEF_NAMED.exec(m[3]!.trim());
  return { frame: makeFrame({ fn: named ? named[1]! : null, address: `0x${m[2]!}` }), number: Number(m[1]) };
}

/** A Breakpad frame: `module!function`, its source after it or its offset; `module + 0x…` when unnamed. */
export function breakpadFrame(line: string): Numbered | null {
  const named = line.includes('!') ? BREAKPAD_FRAME.exec(line) : null;
  if (named) {
    const frame = makeFrame({ fn: named[3]!, module: named[2]!, offset: parseHex(named[6]) });
    if (named[4] !== undefined) frame.source = `${named[4]}:${named[5]}`;
    return { frame, number: Number(named[1]) };
  }
  const bare = line.includes(' + 0x') ? BREAKPAD_BARE.exec(line) : null;
  return bare
    ? { frame: makeFrame({ fn: null, module: bare[2]!, offset: parseHex(bare[3]) }), number: Number(bare[1]) }
    : null;
}

export function vscodeFrame(line: string): Frame | null {
  if (!line.endsWith(')') || !(line.includes('!') || line.includes(') ('))) return null;
  const m = VSCODE_FRAME.exec(line);
  if (!m || (m[1] === undefined && !m[2]!.endsWith(')'))) return null;
  const fn = VSCODE_UNKNOWN.test(m[2]!) ? null : m[2]!;
  const frame = makeFrame({ fn, module: m[1] ?? null });
  if (m[3] !== 'Unknown Source') frame.source = `${m[3]}:${m[4]}`;
  return frame;
}

export function backtraceSymbolsFrame(line: string): Frame | null {
  const m = line.endsWith(']') ? BACKTRACE_SYMBOLS.exec(line) : null;
  return m ? makeFrame({ fn: m[2] ?? null, module: m[1]!, offset: parseHex(m[3]), address: m[4]! }) : null;
}

/** boost::stacktrace's frame: a bare address instead of a name is an unnamed frame. */
export function boostFrame(line: string): Numbered | null {
  const m = hashAfterNumber(line) ? BOOST_FRAME.exec(line) : null;
  if (!m) return null;
  const name = m[2]!.trim();
  const address = HEX_ADDRESS.test(name) ? name : null;
  const frame = makeFrame({ fn: address ? null : name, address, module: m[3] === 'in' ? m[4]! : null });
  if (m[3] === 'at') frame.source = m[4]!;
  return { frame, number: Number(m[1]) };
}

/** A Valgrind frame: the address, the name, then the source (`file.c:12`) or the module (`in /lib/…`). */
export function valgrindFrame(line: string): Frame | null {
  const m = line.startsWith('at 0x') || line.startsWith('by 0x') ? VALGRIND.exec(line) : null;
  if (!m) return null;
  const where = m[4]!.trim();
  if (m[3]) return makeFrame({ fn: m[2]!, module: where, address: `0x${m[1]!}` });
  const frame = makeFrame({ fn: m[2]!, address: `0x${m[1]!}` });
  frame.source = where;
  return frame;
}

/** `N#` (boost::stacktrace's numbering): a cheap look at the first seven characters before its regex. */
function hashAfterNumber(line: string): boolean {
  for (let i = 1; i < 7 && i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 35) return i + 1 < line.length && line.charCodeAt(i + 1) === 32; // '#', then ' '
    if (c < 48 || c > 57) return false;
  }
  return false;
}
