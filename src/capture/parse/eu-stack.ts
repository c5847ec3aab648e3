/**
 * elfutils `eu-stack` output, plain or with module (-m), source (-s),
 * activation (-a), inlines (-i), build-id (-b), or all of them (-v).
 *
 * Produced by: `eu-stack -p PID` (plain), `eu-stack -s -m -p PID`,
 * `eu-stack -v -p PID`; without separate debuginfo:
 * `eu-stack --debuginfo-path=/nonexistent -m -p PID`. Sample (the suite's
 * deadlocked child, `eu-stack -s -m -p PID`, then -v, then no debuginfo):
 *
 *   PID 7328 - process
 *   TID 7328:
 *   #0  0x00007fee4559c12b __GI___lll_lock_wait - /usr/lib/x86_64-linux-gnu/libc.so.6
 *       ../sysdeps/nptl/futex-internal.h:146:13
 *   #1  0x00007fee455a2482 __pthread_mutex_lock@GLIBC_2.2.5 - /usr/lib/x86_64-linux-gnu/libc.so.6
 *   #2  0x00007fee455a2482 - 1 lll_mutex_lock_optimized - /usr/lib/x86_64-linux-gnu/libc.so.6
 *   #4  0x00007fee455ea9e8 - /usr/lib/x86_64-linux-gnu/libc.so.6
 *   #5  0x00007fee455ea073 __libc_fork
 *       [93ac61ec5a8eb1396f9fbd350e3169a558528a40]@0x7fee45516000+0xd4072
 *
 * A frame without a name prints nothing (plain) or only ` - MODULE` (-m).
 * Indented lines belong to the frame above: source (-s) or build-id (-b).
 * `- 1` after the address is the activation adjustment (-a). A paste's own
 * indentation or `> ` quote (that of the first header or frame) is dropped.
 */
import type { ParsedStack } from '../types.js';
import {
  currentThread,
  finishState,
  makeFrame,
  newState,
  openThread,
  processLabel,
  processStarts,
  pushFrame,
  warnUnrecognised,
  type ParseState,
} from './common.js';

const PROCESS_HEADER = /^PID (\d{1,10}) - (?:process|core)\b/;
const THREAD_HEADER = /^TID (\d{1,10}):\s*$/;
const FRAME = /^#(\d{1,6})\s{1,8}0x([0-9a-fA-F]{1,16})(?:\s{1,4}-\s(\d{1,4})(?=\s|$))?(.*)$/;
const BUILD_ID = /^\s+\[[0-9a-fA-F]{0,128}\]@0x/;
const SOURCE = /^\s{2,}(\S.{0,4000}?):(\d{1,9})(?::\d{1,9})?\s*$/;
const TOOL_MESSAGE = /^eu-stack: /;
const PASTED_HEADER = /^((?:[ \t]{0,64}>){0,4}[ \t]{0,64})(?:PID \d|TID \d|#\d)/;

export function parseEuStack(text: string): ParsedStack {
  const { state, lines } = newState('eu-stack', text);
  const indent = pasteIndent(lines);
  lines.forEach((line, i) =>
    parseEuStackLine(state, line.startsWith(indent) ? line.slice(indent.length) : line, i + 1),
  );
  return finishState(state);
}

/**
 * The indentation a paste added (a quote, a code block): that of the first
 * `PID`/`TID`/`#N` line. It is taken off every line that has it, so the
 * source and build-id lines keep their own indentation under their frame.
 */
function pasteIndent(lines: string[]): string {
  for (const line of lines) {
    const m = PASTED_HEADER.exec(line);
    if (m) return m[1]!;
  }
  return '';
}

function parseEuStackLine(s: ParseState, line: string, lineNo: number): void {
  if (line.trim() === '') return;
  const pid = PROCESS_HEADER.exec(line);
  if (pid) {
    processStarts(s, Number(pid[1]));
    return;
  }
  if (processLabel(s, line)) return;
  const tid = THREAD_HEADER.exec(line);
  if (tid) {
    openThread(s, Number(tid[1]), null);
    return;
  }
  const f = FRAME.exec(line);
  if (f) {
    const { name, module } = splitNameModule(f[4]!);
    pushFrame(s, currentThread(s), makeFrame({ fn: name, module, address: f[2]! }), lineNo);
    return;
  }
  if (BUILD_ID.test(line)) return;
  const src = SOURCE.exec(line);
  const last = s.threads[s.threads.length - 1]?.frames.at(-1);
  if (src && last) {
    last.source = `${src[1]}:${src[2]}`;
    return;
  }
  if (TOOL_MESSAGE.test(line)) {
    s.warnings.add(`line ${lineNo}: ${line.slice(0, 200)}`);
    return;
  }
  warnUnrecognised(s, lineNo, line);
}

/** `name - /path/lib.so`, `- /path/lib.so`, `name`, or nothing. */
function splitNameModule(rest: string): { name: string | null; module: string | null } {
  const r = rest.trim();
  if (r === '') return { name: null, module: null };
  if (r.startsWith('- ')) return { name: null, module: r.slice(2).trim() || null };
  const cut = r.lastIndexOf(' - ');
  if (cut > 0) {
    const module = r.slice(cut + 3).trim();
    // A module is a path or a bracketed pseudo-module ([vdso]); anything else is part of a demangled name.
    if (module.startsWith('/') || module.startsWith('[') || /^[\w.+-]+\.so(?:\.[\w.]+)?$/.test(module)) {
      return { name: r.slice(0, cut).trim(), module };
    }
  }
  return { name: r, module: null };
}
