/**
 * Guess a dump's format from its first lines: each format has lines only it
 * prints (eu-stack's `TID n:`, gdb's `Thread n (...):` and `#n 0x.. in`,
 * pstack's `lwp#` banner and `addr name (args)`, mdb's backtick symbols,
 * lldb's `frame #N: 0x..`, gdb's `Line N of "F" starts at`, HotSpot's
 * `----- LWP -----` blocks, macOS sample's `Call graph:` tree). Lines are looked at as the tool printed them:
 * without paste indentation, quote markers and `(gdb)`/`(lldb)` prompts.
 * Scores are counted over at most DETECT_LINES lines; the best score wins
 * (gdb's only when one of its frame lines was among them).
 * 'lenient' is never detected: it is parseStack's fallback.
 * Binary-looking input is 'unknown' whatever a stray line resembles.
 */
import type { StackFormat } from '../types.js';
import { asPrinted, looksBinary, MAX_LINE_LENGTH, unpaste } from './common.js';

const DETECT_LINES = 2000;

interface Clue {
  format: StackFormat;
  weight: number;
  /** A frame line of the format: a format with such clues is only chosen when one of them is seen (its headers alone do not make a dump its reader can read). */
  frame?: true;
  re: RegExp;
}

const CLUES: Clue[] = [
  { format: 'eu-stack', weight: 5, re: /^PID \d{1,10} - (?:process|core)\b/ },
  { format: 'eu-stack', weight: 5, re: /^TID \d{1,10}:\s*$/ },
  { format: 'eu-stack', weight: 1, re: /^#\d{1,6}\s{1,8}0x[0-9a-fA-F]{1,16}(?:\s{1,4}-\s\d{1,4})?(?: [^(]*)?$/ },
  { format: 'gdb', weight: 5, re: /^Thread \d{1,10} \(.{0,1000}\):\s*$/ },
  // gdb's frames (a reflowed one ends its line at `in`, a wrapped one after an argument's comma): only with one of them is a dump gdb's (a
  // `Thread 1 (main):` heading over other frames is a hand-made paste the lenient reader reads)
  { format: 'gdb', weight: 2, frame: true, re: /^#\d{1,6}\s{1,8}0x[0-9a-fA-F]{1,16} in(?: \S|\s*$)/ },
  {
    format: 'gdb',
    weight: 1,
    frame: true,
    re: /^#\d{1,6}\s{1,8}[^\s#][^(]{0,1000} \((?:.{0,4000}\)(?: at | from |\s*$)|.{0,4000},\s*$)/,
  },
  {
    format: 'gdb',
    weight: 1,
    frame: true,
    re: /^#\d{1,6}\s{1,8}[^\s#(][^\s(]{0,1000}\s{1,64}at [^\s()]{1,1000}:\d{1,9}\s*$/,
  },
  // an `info threads` row (`2.1` when gdb holds several inferiors; a core file's `LWP 4242` target) ends with the thread's frame
  {
    format: 'gdb',
    weight: 2,
    frame: true,
    re: /^(?:\*\s{1,4})?\d{1,6}(?:\.\d{1,6})?\s{1,8}(?:Thread 0x[0-9a-fA-F]{1,16} \((?:LWP|process) \d{1,10}\)|LWP \d{1,10}\s|process \d{1,10}\s)/,
  },
  { format: 'gdb', weight: 2, re: /^Id\s{1,16}Target Id\s{1,64}Frame\s*$/ },
  { format: 'gdb', weight: 3, re: /^\[Inferior \d{1,6} \(process \d{1,10}\) detached\]/ },
  { format: 'pstack', weight: 5, re: /^-{3,}\s+lwp#\s*\d/ },
  { format: 'pstack', weight: 2, re: /^(?:core '[^']{0,1024}' of )?\d{1,10}:\s+\S/ },
  {
    format: 'pstack',
    weight: 1,
    re: /^\s{0,4}[0-9a-fA-F]{6,16} [^\s(`]{1,512} \(.{0,4000}\)(?:\s\+\s[0-9a-fA-F]{1,16})?\s*$/,
  },
  { format: 'pstack', weight: 1, re: /^\s{0,4}[0-9a-fA-F]{6,16} \* \S/ },
  // AIX procstack: `---------- tid# 4567891 (pthread ID:      1) ----------`, `0x0900000000581eb4  _event_sleep(??, ??) + 0x474`
  { format: 'pstack', weight: 5, re: /^-{3,64}\s{1,8}tid#\s{0,8}\d{1,12}\b/ },
  {
    format: 'pstack',
    weight: 1,
    re: /^0x[0-9a-fA-F]{8,16} {1,4}[^\s(]{1,512}\(.{0,4000}\)(?: \+ 0x[0-9a-fA-F]{1,16})?\s*$/,
  },
  {
    format: 'mdb',
    weight: 2,
    re: /^\s{0,8}(?:\[\s{0,4})?(?:[0-9a-fA-F]{1,16}(?:\s{1,8}|`))?(?:[^\s`(]{1,256}`)[^\s`(]{1,512}\(/,
  },
  { format: 'mdb', weight: 1, re: /^\s{0,8}[0-9a-fA-F]{1,16}\s{1,8}0x[0-9a-fA-F]{1,16}\(/ },
  { format: 'mdb', weight: 1, re: /^\s{0,8}[0-9a-fA-F]{1,16} [^\s`(]{1,512}\+0x[0-9a-fA-F]{1,16}\(/ },
  { format: 'mdb', weight: 3, re: /^stack pointer for thread \S/ },
  { format: 'lldb', weight: 5, re: /^(?:\*\s{0,4})?frame #\d{1,6}: (?:0x)?[0-9a-fA-F]{1,16}(?:\s|$)/ },
  { format: 'lldb', weight: 5, re: /^(?:\*\s{0,4})?thread #\d{1,10}(?:[,:]|\s*$)/ },
  { format: 'gdb-info', weight: 5, re: /^Line \d{1,9} of "[^"]{1,1000}"/ },
  { format: 'gdb-info', weight: 5, re: /^0x[0-9a-fA-F]{1,16} is in [^\s(]{1,1000} \(/ },
  { format: 'gdb-info', weight: 5, re: /^\S{1,1000}(?: \+ \d{1,12})? in section \S{1,200}/ },
  { format: 'gdb-info', weight: 3, re: /^No (?:symbol matches|line number information available for address) / },
  { format: 'hotspot', weight: 5, re: /^-{5,64}\s{0,4}(?:(?:lwp|LWP)#?\s{0,4}|t@)?\d{1,10}\s{0,4}-{5,64}\s*$/ },
  { format: 'hotspot', weight: 2, re: /^0x[0-9a-fA-F]{1,16}\t\S/ },
  { format: 'hotspot', weight: 3, re: /^Attaching to (?:process ID|core) \d{1,10}, please wait/ },
  { format: 'macos-sample', weight: 5, re: /^Analysis of sampling .{1,512} \(pid \d{1,10}\) every / },
  { format: 'macos-sample', weight: 3, re: /^Call graph:\s*$/ },
  { format: 'macos-sample', weight: 3, re: /^(?:[+!:|] {1,3}){0,256}\d{1,10} Thread_\d{1,20}/ },
  {
    format: 'macos-sample',
    weight: 2,
    re: /^(?:[+!:|] {1,3}){0,256}\d{1,10} [^\s].{0,2000} {1,2}\(in [^)]{1,512}\)(?: \+ \d{1,12})? {1,2}\[0x[0-9a-fA-F]{1,16}/,
  },
  // spindump and older Activity Monitor samples: `23 fn + 13 (in libsystem_c.dylib) [0x7fff…]` under `Thread 0x10a` / `User stack:`
  {
    format: 'macos-sample',
    weight: 2,
    re: /^(?:[+!:|] {1,3}){0,256}\d{1,10} [^\s].{0,2000} \+ \d{1,12} \(in [^)]{1,512}\) \[0x[0-9a-fA-F]{1,16}/,
  },
  { format: 'macos-sample', weight: 2, re: /^(?:User|Kernel) stack:\s*$/ },
  // spindump (macOS 10.13+): `770  fn + 16 (file.cpp:283 in libc++.1.dylib + 78548) [0x19ae1e2d4]`, `Thread 0x2c4a6c … 770 samples (1-770) …`
  {
    format: 'macos-sample',
    weight: 2,
    re: /^\d{1,10} {1,4}\S.{0,2000} \((?:[^()]{1,1000} in )?[^\s()]{1,512} \+ \d{1,12}\) \[0x[0-9a-fA-F]{1,16}\]/,
  },
  { format: 'macos-sample', weight: 3, re: /^Thread 0x[0-9a-fA-F]{1,16}\b.{0,1000}\b\d{1,10} samples? \(/ },
  // Android (libunwindstack): `#00 pc 000000000004e4f4  /system/lib64/libc.so (syscall+36)`, ANR's `native: #00 pc …`;
  // a frame line outweighs gdb's `#N … (…)` shape, which it also has
  { format: 'debuggerd', weight: 3, re: /^(?:native: )?#\d{1,6} {1,4}(?:pc|eip:) [0-9a-fA-F]{4,16} {1,4}\S/ },
  { format: 'debuggerd', weight: 5, re: /^pid: \d{1,10}, tid: \d{1,10}, name: / },
  { format: 'debuggerd', weight: 5, re: /^"[^"]{0,256}" sysTid=\d{1,10}\b/ },
  { format: 'debuggerd', weight: 2, re: /^\| sysTid=\d{1,10}\b/ },
  // dbx `where`: Solaris (`=>[1] __lwp_park(0x0, 0x0), at 0xfeeb6c55`, `current thread: t@1`),
  // AIX (`_event_sleep(??, ??) at 0x9000000005b1b08`, `main(), line 12 in "t.c"`)
  {
    format: 'dbx',
    weight: 3,
    re: /^(?:=>)?\s{0,4}\[\d{1,6}\]\s{1,4}\S.{0,4000}\),? (?:at 0x[0-9a-fA-F]{1,16}|line \d{1,9} in (?:file )?")/,
  },
  { format: 'dbx', weight: 5, re: /^(?:current thread: t@\d{1,10}\b|t@\d{1,10} \(l@\d{1,10}\) stopped in )/ },
  {
    format: 'dbx',
    weight: 2,
    re: /^[^\s(#[][^\s(]{0,511}\(.{0,4000}\),? (?:at 0x[0-9a-fA-F]{1,16}|line \d{1,9} in (?:file )?"[^"]{1,1000}")\s*$/,
  },
  { format: 'dbx', weight: 3, re: /^\(dbx\) / },
  // Java thread dumps: jstack / jcmd Thread.print headers (with nid=), Jenkins's (Id=, Group=, the state), the banner;
  // their `at` frames are no clue (Android ANR traces have them too)
  { format: 'jstack', weight: 5, re: /^Full thread dump / },
  {
    format: 'jstack',
    weight: 3,
    re: /^"[^"]{0,512}" (?:#\d{1,10} )?(?:\[\d{1,10}\] )?(?:daemon )?.{0,1000}\bnid=(?:0x[0-9a-fA-F]{1,16}|\d{1,10})\b/,
  },
  { format: 'jstack', weight: 3, re: /^"[^"]{0,512}" Id=\d{1,12} (?:Group=\S{0,256} )?[A-Z_]{3,20}\b/ },
  { format: 'jstack', weight: 2, re: /^java\.lang\.Thread\.State: [A-Z_]{3,20}/ },
  // JDK 8's jstack -F: `Thread 23668: (state = IN_NATIVE)`
  { format: 'jstack', weight: 5, re: /^Thread \d{1,10}: \(state = [A-Z_]{2,32}\)\s*$/ },
];

/** Formats with frame clues: chosen only when one of those is seen. */
const FRAME_CLUED = new Set(CLUES.filter((c) => c.frame).map((c) => c.format));

const ORDER: readonly StackFormat[] = [
  'eu-stack',
  'gdb',
  'pstack',
  'mdb',
  'lldb',
  'gdb-info',
  'hotspot',
  'macos-sample',
  'debuggerd',
  'dbx',
  'jstack',
];

/** The most likely format of a stack dump, or 'unknown' when no line looks like any. */
export function detectStackFormat(text: unknown): StackFormat | 'unknown' {
  if (typeof text !== 'string' || text.length === 0 || looksBinary(text)) return 'unknown';
  const scores: Record<StackFormat, number> = {
    pstack: 0,
    mdb: 0,
    'eu-stack': 0,
    gdb: 0,
    lldb: 0,
    'gdb-info': 0,
    hotspot: 0,
    'macos-sample': 0,
    debuggerd: 0,
    dbx: 0,
    jstack: 0,
    lenient: 0,
  };
  const first: string[] = [];
  let lineStart = 0;
  for (let n = 0; n < DETECT_LINES && lineStart < text.length; n++) {
    let end = text.indexOf('\n', lineStart);
    if (end < 0) end = text.length;
    first.push(text.slice(lineStart, Math.min(end, lineStart + MAX_LINE_LENGTH)).replace(/\r$/, ''));
    lineStart = end + 1;
  }
  const framesSeen = new Set<StackFormat>();
  // Lines as the tool printed them (asPrinted: glued fences, web text, a harness's prefix), then without paste marks.
  for (const printed of asPrinted(first)) {
    const line = unpaste(printed);
    for (const clue of CLUES) {
      if (!clue.re.test(line)) continue;
      scores[clue.format] += clue.weight;
      if (clue.frame) framesSeen.add(clue.format);
    }
  }
  let best: StackFormat | 'unknown' = 'unknown';
  let bestScore = 0;
  for (const format of ORDER) {
    if (FRAME_CLUED.has(format) && !framesSeen.has(format)) continue;
    if (scores[format] > bestScore) {
      best = format;
      bestScore = scores[format];
    }
  }
  return best;
}
