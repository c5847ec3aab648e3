/**
 * HotSpot mixed-mode dumps: native and Java frames of every LWP, read by the
 * Serviceability Agent.
 *
 * Produced by: `jhsdb jstack --mixed --pid PID` (JDK 9+), `jstack -m PID`
 * (JDK 8 and older). Sample (the suite's JVM reproducer, test/helpers/jvm.ts:
 * the parent, then its hung forked child, whose other LWPs are gone):
 *
 *   Attaching to process ID 19855, please wait...
 *   ----------------- 19870 -----------------
 *   "SCM polling for demo-job" #12 prio=5 tid=0x00007f6e6c0ecdc0 nid=0x4d9e runnable [0x00007f6e1eafd000]
 *      java.lang.Thread.State: RUNNABLE
 *   0x00007f6e7566f2ec	__libc_read + 0x4c
 *   0x00007f6e7040cf21	* java.lang.ProcessImpl.forkAndExec(int, byte[], ...) bci:0 (Interpreted frame)
 *   0x00007f2109400cc9	<StubRoutines>
 *   0x00007f211aa282d2	JavaCalls::call_helper(JavaValue*, methodHandle const&, JavaCallArguments*, JavaThread*) + 0x302
 *
 *   WARNING: getThreadIntegerRegisterSet0: get_lwp_regs failed for lwp (19857)
 *   ----------------- 19871 -----------------
 *   0x00007f6e755fd12b	__GI___lll_lock_wait + 0x2b
 *
 * A frame is `0xPC<tab>WHAT`: `symbol + 0xOFF`, `* java.Method(...) bci:N`
 * (a Java frame, kept by its method name), `<StubRoutines>`-style stubs, or
 * `????????` / `____________________` (nothing known: fn null). The block
 * header is the LWP id (older SA: `lwp# N` / `LWP N`; Solaris: `t@N`).
 */
import type { Frame, ParsedStack } from '../types.js';
import {
  currentThread,
  finishState,
  makeFrame,
  newState,
  openThread,
  parseHex,
  processStarts,
  pushFrame,
  unpaste,
  type ParseState,
} from './common.js';
import { readJavaDumpLine } from './jstack.js';

const BLOCK = /^-{5,64}\s{0,4}(?:(?:lwp|LWP)#?\s{0,4}|t@)?(\d{1,10})?\s{0,4}-{5,64}\s*$/;
const FRAME = /^0x([0-9a-fA-F]{1,16})(?:\t| {1,8})(.*)$/;
const SYMBOL_OFFSET = /^(.{1,4000}?) \+ 0x([0-9a-fA-F]{1,16})$/;
const NOTHING = /^(?:\?{2,64}|_{2,64})$/;
const ATTACHING = /^Attaching to (?:process ID|core) (\d{1,10})\b/;

export function parseHotspot(text: string): ParsedStack {
  const { state, lines } = newState('hotspot', text);
  lines.forEach((line, i) => parseHotspotLine(state, unpaste(line), i + 1));
  return finishState(state);
}

function parseHotspotLine(s: ParseState, line: string, lineNo: number): void {
  const block = BLOCK.exec(line);
  if (block) {
    openThread(s, block[1] === undefined ? null : Number(block[1]), null);
    return;
  }
  const f = FRAME.exec(line);
  if (f) {
    pushFrame(s, currentThread(s), frameFrom(f[1]!, f[2]!.trim()), lineNo);
    return;
  }
  // a Java thread's header names the LWP's block it heads (read as the jstack reader reads it)
  const jt = line.startsWith('"') ? readJavaDumpLine(line) : null;
  const last = s.threads[s.threads.length - 1];
  if (jt?.kind === 'header' && jt.name !== null && last && last.frames.length === 0) {
    last.name = jt.name;
    return;
  }
  const a = ATTACHING.exec(line);
  if (a) processStarts(s, Number(a[1]));
  else if (line.startsWith('WARNING: ') || line.startsWith('Error: ') || line.startsWith('Exception '))
    s.warnings.add(`line ${lineNo}: ${line.slice(0, 200)}`);
}

function frameFrom(address: string, what: string): Frame {
  if (what === '' || NOTHING.test(what)) return makeFrame({ fn: null, address });
  if (what.startsWith('* ')) {
    const bci = what.indexOf(' bci:');
    return makeFrame({ fn: (bci > 0 ? what.slice(2, bci) : what.slice(2)).trim(), module: null, address });
  }
  const so = SYMBOL_OFFSET.exec(what);
  const name = so ? so[1]! : what;
  // Older SA prints a bare library for a pc with no symbol: `libjvm.so + 0x1234`.
  if (/^\S{1,512}\.so(?:\.[\d.]{1,32})?$/.test(name))
    return makeFrame({ fn: null, module: name, offset: so ? parseHex(so[2]) : null, address });
  return makeFrame({ fn: name, offset: so ? parseHex(so[2]) : null, address });
}
