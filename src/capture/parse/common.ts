/**
 * What every stack parser shares: input bounds, line splitting, a capped
 * warning list and the Frame constructor. Parsers are pure and total: any
 * string in, a ParsedStack out, in time linear in the (capped) input.
 */
import type { Frame, ParsedStack, StackFormat, Thread } from '../types.js';
import { normalizeFunctionName } from './normalize.js';
import { blankAsPasted, stripHarnessPrefix } from './prefix.js';
import { fromWebText, HAS_BREAK, splitAtBreaks, undoubleSpace, unglue } from './web-text.js';

/** Inputs are cut here (capture output is capped at 1 MiB by default). */
export const MAX_INPUT_CHARS = 4 * 1024 * 1024;
export const MAX_LINES = 100_000;
/** Longer lines are cut before any regex sees them. */
export const MAX_LINE_LENGTH = 4096;
export const MAX_THREADS = 10_000;
export const MAX_FRAMES_PER_THREAD = 2048;
const MAX_WARNINGS = 50;

export interface ParseState {
  format: StackFormat;
  pid: number | null;
  threads: Thread[];
  warnings: Warnings;
  raw: string;
  /** Threads that reached MAX_FRAMES_PER_THREAD (warned once each). */
  fullThreads: Set<Thread>;
  /** Where a paste of several processes is (see processStarts). */
  process: ProcessCursor;
}

/** The process threads opened now belong to, in a paste that holds several. */
interface ProcessCursor {
  index: number;
  /** Its pid, where a header named it. */
  pid: number | null;
  /** Threads opened in it so far. */
  opened: number;
  /** A boundary was read: the next thread opened starts the next process. */
  pending: boolean;
  /** The reporter labelled the process whose threads come next a child (`child:`, `forked child stack`). */
  child: boolean;
}

/** A warning list that stops growing at MAX_WARNINGS and says how many it dropped. */
export class Warnings {
  readonly list: string[] = [];
  private dropped = 0;
  add(message: string): void {
    if (this.list.length < MAX_WARNINGS) this.list.push(message);
    else this.dropped++;
  }
  /** The one warning that must be read first (the lenient reader's notice), whatever the cap. */
  addFirst(message: string): void {
    this.list.unshift(message);
  }
  toArray(): string[] {
    return this.dropped > 0 ? [...this.list, `${this.dropped} more warnings not shown`] : [...this.list];
  }
}

/** Cap the input, split it into capped lines and flag binary-looking input. */
export function splitInput(text: unknown, warnings: Warnings): { raw: string; lines: string[] } {
  if (typeof text !== 'string') {
    warnings.add('input is not text');
    return { raw: '', lines: [] };
  }
  let raw = text;
  if (raw.length > MAX_INPUT_CHARS) {
    warnings.add(`input cut at ${MAX_INPUT_CHARS} characters (was ${raw.length})`);
    raw = raw.slice(0, MAX_INPUT_CHARS);
  }
  if (raw.trim() === '') warnings.add('input is empty');
  else if (looksBinary(raw)) warnings.add('input looks binary (control characters or NUL bytes)');
  let lines = raw.split(/\r?\n/);
  // a page's source joins a dump's lines with <br>: split there before lines are capped
  if (HAS_BREAK.test(raw)) lines = lines.flatMap(splitAtBreaks);
  if (lines.length > MAX_LINES) {
    warnings.add(`input cut at ${MAX_LINES} lines (was ${lines.length})`);
    lines = lines.slice(0, MAX_LINES);
  }
  let cut = 0;
  lines = lines.map((l) => {
    if (l.length <= MAX_LINE_LENGTH) return l;
    cut++;
    return l.slice(0, MAX_LINE_LENGTH);
  });
  if (cut > 0) warnings.add(`${cut} line(s) longer than ${MAX_LINE_LENGTH} characters were cut`);
  return { raw, lines: undoubleSpace(asPrinted(lines), blankAsPasted) };
}

/**
 * Lines as the tool printed them: without a code fence or tag glued to them,
 * the layout characters of text copied from the web, and a test harness's
 * per-line prefix. Detection and every reader look at lines so.
 */
export function asPrinted(lines: string[]): string[] {
  return stripHarnessPrefix(fromWebText(unglue(lines)));
}

/** More than 1 in 20 of the first 64 KiB are control characters (other than tab/CR/LF), or any NUL. */
export function looksBinary(text: string): boolean {
  const sample = text.slice(0, 65536);
  let control = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 0) return true;
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) control++;
  }
  return control * 20 > sample.length;
}

export function newState(format: StackFormat, text: unknown): { state: ParseState; lines: string[] } {
  const warnings = new Warnings();
  const { raw, lines } = splitInput(text, warnings);
  const process: ProcessCursor = { index: 0, pid: null, opened: 0, pending: false, child: false };
  return { state: { format, pid: null, threads: [], warnings, raw, fullThreads: new Set(), process }, lines };
}

export function finishState(s: ParseState): ParsedStack {
  const threads = s.threads.filter((t) => t.frames.length > 0 || t.tid !== null);
  numberProcesses(threads);
  if (threads.every((t) => t.frames.length === 0) && s.raw.trim() !== '') s.warnings.add(`no ${s.format} frames found`);
  return { format: s.format, pid: s.pid, threads, warnings: s.warnings.toArray(), raw: s.raw };
}

/** Start a new thread, unless the cap is reached (then frames go to the last one, with a warning). */
export function openThread(s: ParseState, tid: number | null, name: string | null): Thread {
  const last = s.threads[s.threads.length - 1];
  if (s.threads.length >= MAX_THREADS && last) {
    s.warnings.add(`more than ${MAX_THREADS} threads: the rest are not parsed`);
    return last;
  }
  const c = s.process;
  if (c.pending && c.opened > 0) {
    c.index++;
    c.opened = 0;
  }
  c.pending = false;
  c.opened++;
  const t: Thread = { tid, name, frames: [], process: c.index, ...(c.child ? { labelledChild: true } : {}) };
  s.threads.push(t);
  return t;
}

/**
 * A header naming the process whose threads follow: gdb's `Attaching to
 * process N`, eu-stack's `PID N - process`, pstack's `N: cmd`, py-spy's
 * `Process N: cmd`, a reporter's `child (pid N):` (pid null when not named).
 * After threads of another process (or of an unnamed one), the next thread
 * opened starts the next process of the paste; the first pid read is the
 * dump's. True when the next thread starts another process (a reader then
 * forgets what it keeps per process: thread numbers, the current thread).
 * `child`: the reporter's label says the process is a child (its threads get
 * `labelledChild`); a second header for the same process keeps that.
 */
export function processStarts(s: ParseState, pid: number | null, child = false): boolean {
  s.pid ??= pid;
  const c = s.process;
  if (!c.pending && c.opened > 0 && (pid === null || pid !== c.pid)) {
    c.pending = true;
    c.child = child;
  } else {
    // a second header for the process about to start (`child:`, then gdb's `Attaching to process N`), or the first process
    c.child ||= child;
  }
  c.pid = pid;
  return c.pending;
}

/** A line saying the process so far is done with (gdb's `[Inferior 1 (process N) detached]`): threads after it are another's. */
export function processEnds(s: ParseState, pid: number | null): boolean {
  s.pid ??= pid;
  const c = s.process;
  if (c.opened > 0) {
    c.pending = true;
    c.child = false;
  }
  c.pid = null;
  return c.pending;
}

/**
 * A line a reporter wrote to say whose stack follows: `parent:`, `Child
 * process (pid 4242):`, `child 4242:`, `**child stack**`, `## Parent
 * process`, `forked child backtrace:`. A pid only after `pid`, in
 * parentheses or after one space: never `child = 0`, a local of that name
 * that gdb's `bt full` prints. Bounded; tested only on short lines.
 */
const PROCESS_LABEL =
  /^[#*_ ]{0,8}(?:the )?(?:forked )?(?:parent|child)(?: process)?(?: ?[([]?pid[:= ]{0,3}(\d{1,10})[)\]]?| \((\d{1,10})\)| (\d{1,10}))?(?: (?:stack|stacks|backtrace|bt|trace|threads|stack trace|side))?:?[*_ ]{0,8}$/i;
const MAX_LABEL_LENGTH = 80;
/** A PROCESS_LABEL that names a child (it names a parent or a child, never both). */
const CHILD_WORD = /child/i;

/**
 * The command a reporter ran to take the stack that follows, pasted with its
 * prompt or without: `$ sudo gdb -p 4242 -batch -ex 'thread apply all bt'`,
 * `(gdb) attach 4242`, `# pstack 4242`, `eu-stack -p 4242`, `lldb -p 4242`,
 * `(lldb) process attach --pid 4242`, `py-spy dump --pid 4242`, `pystack
 * remote 4242`, `jstack -m 4242`, `jhsdb jstack --mixed --pid 4242`. The pid
 * it names is the process whose stack follows. Anchored, bounded quantifiers,
 * no nested repetition; tested only on short lines.
 */
const COMMAND_PROMPT = String.raw`(?:\((?:gdb|lldb)\) |gef➤ {1,2}|pwndbg> |(?:[\w@.:~/\[\]-]{1,64}(?: [\w.~/\]-]{1,64})?)?[$#%>] {1,2})?`;
const COMMAND_SUDO = String.raw`(?:sudo (?:-\S{1,16} ){0,4})?`;
const COMMAND_TOOLS = [
  // gdb, lldb, eu-stack, py-spy: the pid after -p / --pid / --attach-pid, anywhere among the options
  String.raw`(?:\S{0,64}/)?(?:gdb(?:-multiarch)?|cgdb|lldb|eu-stack|py-spy(?: (?:dump|top|record))?)\b[^|;&]{0,200}?(?: -p ?| --pid[= ]| -pid | --attach-pid[= ])(\d{1,10})\b`,
  // gdb PROGRAM PID
  String.raw`(?:\S{0,64}/)?gdb(?: -\S{1,32}){0,4} \S{1,200} (\d{1,10})`,
  // pstack / gstack / procstack PID, pystack remote PID, jstack / jcmd [options] PID, jhsdb jstack ... --pid PID
  String.raw`(?:pstack|gstack|procstack|pystack remote(?: --\S{1,16}){0,3}|jstack(?: -\S{1,8}){0,3}|jcmd) (\d{1,10})\b`,
  String.raw`jhsdb jstack\b[^|;&]{0,100}? --pid[= ](\d{1,10})\b`,
  // the debugger's own attach command
  String.raw`(?:attach|process attach (?:-p|--pid)) (\d{1,10})`,
];
const PROCESS_COMMAND = new RegExp(`^${COMMAND_PROMPT}${COMMAND_SUDO}(?:${COMMAND_TOOLS.join('|')})`);
const MAX_COMMAND_LENGTH = 300;
/** Every command PROCESS_COMMAND reads names one of these (a cheap scan before the full pattern, on every other line of a dump). */
const COMMAND_HINT = /gdb|lldb|stack|py-spy|jcmd|attach/;

/** The pid a pasted command line takes a stack of (PROCESS_COMMAND), or null when the line is none. */
export function commandPid(line: string): number | null {
  const text = line.trim();
  if (text.length === 0 || text.length > MAX_COMMAND_LENGTH || !COMMAND_HINT.test(text)) return null;
  const m = PROCESS_COMMAND.exec(text);
  if (!m) return null;
  const pid = m.slice(1).find((g) => g !== undefined);
  return pid === undefined ? null : parseIntOrNull(pid);
}

/**
 * A reporter's label for the process whose stack follows (PROCESS_LABEL), or
 * the command that took it (PROCESS_COMMAND): starts it. Null when the line
 * is neither.
 */
export function processLabel(s: ParseState, line: string): { next: boolean } | null {
  const text = line.trim();
  if (text.length === 0 || text.length > MAX_COMMAND_LENGTH) return null;
  const pid = commandPid(text);
  if (pid !== null) return { next: processStarts(s, pid) };
  if (text.length > MAX_LABEL_LENGTH) return null;
  const m = PROCESS_LABEL.exec(text);
  return m ? { next: processStarts(s, parseIntOrNull(m[1] ?? m[2] ?? m[3]), CHILD_WORD.test(text)) } : null;
}

/** Processes numbered 0, 1, … as the paste shows them; no process field when there is one. */
function numberProcesses(threads: Thread[]): void {
  const order = new Map<number | undefined, number>();
  for (const t of threads) if (!order.has(t.process)) order.set(t.process, order.size);
  for (const t of threads) {
    if (order.size > 1) t.process = order.get(t.process)!;
    else delete t.process;
  }
}

/** The thread frames go to: the last one, or an implicit one when the dump has no thread headers (or another process starts). */
export function currentThread(s: ParseState): Thread {
  const last = s.threads[s.threads.length - 1];
  return last && !s.process.pending ? last : openThread(s, null, null);
}

/**
 * A numbered frame of thread t that a debugger printed again (gdb `frame N`,
 * lldb `frame select N`, `up`, `down`): its number is not above the last one
 * read for that thread. Records n otherwise. `opensBacktrace`: the reader knows
 * this frame starts the thread's backtrace anew (gdb's `#0`), never a repeat.
 */
export function frameAgain(numbers: Map<Thread, number>, t: Thread, n: number, opensBacktrace = false): boolean {
  if (!opensBacktrace && (numbers.get(t) ?? -1) >= n) return true;
  numbers.set(t, n);
  return false;
}

export function pushFrame(s: ParseState, t: Thread, f: Frame, lineNo: number): void {
  if (t.frames.length < MAX_FRAMES_PER_THREAD) {
    t.frames.push(f);
    return;
  }
  if (!s.fullThreads.has(t)) {
    s.fullThreads.add(t);
    s.warnings.add(`line ${lineNo}: more than ${MAX_FRAMES_PER_THREAD} frames in one thread: the rest are dropped`);
  }
}

/** What tools print for a frame without a name. */
const NO_NAME = /^(?:\?+|n\/a|\[unknown\])$/;

export function makeFrame(fields: {
  fn: string | null;
  module?: string | null;
  offset?: number | null;
  address?: string | null;
  source?: string | null;
}): Frame {
  const trimmed = fields.fn === null ? '' : fields.fn.trim();
  const fn = trimmed === '' || NO_NAME.test(trimmed) ? null : trimmed;
  const frame: Frame = {
    fn,
    normalized: normalizeFunctionName(fn),
    module: fields.module ?? null,
    offset: fields.offset ?? null,
    address: normalizeAddress(fields.address),
  };
  if (fields.source !== undefined) frame.source = fields.source;
  return frame;
}

export function parseHex(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number.parseInt(text.replace(/^0x/i, ''), 16);
  return Number.isFinite(n) ? n : null;
}

export function parseIntOrNull(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number.parseInt(text, 10);
  return Number.isSafeInteger(n) ? n : null;
}

const PROMPT = /^(?:(?:\((?:gdb|lldb)\)|gef➤|pwndbg>) ?){1,16}/;
const QUOTE_OR_INDENT = /^(?:[ \t]{0,64}>(?=[ \t>]|$)){0,4}[ \t]{0,256}/;
const INLINE_CODE_OPEN = /^`#\d/;
/** A markdown list marker in front of a frame or thread line (`- #3 ...`, `* #0 ...`, `+ frame #1: ...`); never jstack's `- locked <...>` nor lldb's own `* thread #1`. */
const LIST_MARKER = /^(?:[-+\u2022][ \t]{1,8}(?=#\d|frame #\d|thread #\d)|\*[ \t]{1,8}(?=#\d))/;

/**
 * A pasted line as the tool printed it: without the indentation, markdown or
 * e-mail quote marker, a markdown list marker before a frame, backticks around the whole line, and debugger prompts
 * (`(gdb) `, `(lldb) `, GEF's `gef➤ `, pwndbg's; repeated when commands came
 * from a pipe) that pasting adds. Bounded: at most 16 prompts.
 */
export function unpaste(line: string): string {
  let l = line.replace(QUOTE_OR_INDENT, '').replace(LIST_MARKER, '');
  // A line wrapped in backticks by the reporter (inline code, one per line); not lldb's module`func.
  if (l.length > 2 && l.startsWith('`') && l.endsWith('`') && l[1] !== '`') l = l.slice(1, -1);
  const p = PROMPT.exec(l);
  if (p) l = l.slice(p[0].length).replace(/^[ \t]{0,256}/, '');
  // A reporter's marker glued to the frame number: `*#0  0x... in read ()`.
  if (l.startsWith('*#')) l = l.slice(1);
  // One inline-code span around a whole frame list: its backtick opens before `#0` and closes after the last frame.
  if (INLINE_CODE_OPEN.test(l)) l = l.slice(1);
  if (l.startsWith('#') && l.endsWith('`') && !l.endsWith('``')) l = l.slice(0, -1);
  return l;
}

/**
 * Drop a thread printed twice (a `bt` after `thread apply all bt`, the stop
 * report before `bt all`): a later thread with the same frames as an earlier
 * one, and the same id or no id at all. Linear: one key per thread.
 */
export function dropRepeatedThreads(s: ParseState): void {
  const seen = new Map<string, Set<number | null>>();
  let dropped = 0;
  s.threads = s.threads.filter((t) => {
    if (t.frames.length === 0) return true;
    const key = `${t.process ?? 0}|${t.frames.map((f) => f.normalized ?? f.address ?? '?').join('|')}`;
    const ids = seen.get(key);
    if (ids && (t.tid === null || ids.has(t.tid))) {
      dropped++;
      return false;
    }
    if (ids) ids.add(t.tid);
    else seen.set(key, new Set([t.tid]));
    return true;
  });
  if (dropped > 0) s.warnings.add(`${dropped} thread(s) printed twice were kept once`);
}

/** Warn about a line no rule recognised (shown cut, so a binary line stays readable). */
export function warnUnrecognised(s: ParseState, lineNo: number, line: string): void {
  const shown = line.length > 80 ? `${line.slice(0, 80)}…` : line;
  s.warnings.add(`line ${lineNo}: not recognised: ${JSON.stringify(shown)}`);
}

/** Addresses as `0x` + lowercase hex, whatever the tool printed (`fee92ae9`, `0x00007F..`). */
function normalizeAddress(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const m = HEX_ADDRESS.exec(text);
  if (!m) return null;
  // most tools print lower case with the 0x already: the text itself, no copy
  return m[1] === undefined || !LOWER_HEX.test(text) ? `0x${m[2]!.toLowerCase()}` : text;
}
const HEX_ADDRESS = /^(0x)?([0-9a-fA-F]{1,16})$/i;
const LOWER_HEX = /^0x[0-9a-f]{1,16}$/;

/** The way a tool numbers its frames, for splitting a paste whose line breaks were lost. */
export interface JoinedFrames {
  /** The line's first frame; group 1 its number. */
  first: RegExp;
  /** Text that must follow the first frame for the line to be looked at further (a cheap test). */
  marker: string;
  /** Global: the space before each later frame (a lookahead, group 1 its number). */
  next: RegExp;
}

/** At most this many frames are taken out of one line. */
const MAX_JOINED = 256;

/**
 * A paste whose line breaks were lost (a renderer or a mail client joined
 * the lines): one frame each, split where the frame numbers that follow go
 * up. Other lines are returned as they are.
 */
export function splitJoinedFrames(line: string, how: JoinedFrames): string[] {
  const first = how.first.exec(line);
  if (!first || line.indexOf(how.marker, first[0].length) < 0) return [line];
  const parts: string[] = [];
  let start = 0;
  let last = Number(first[1]);
  how.next.lastIndex = first[0].length;
  for (let m = how.next.exec(line); m && parts.length < MAX_JOINED; m = how.next.exec(line)) {
    const n = Number(m[1]);
    if (n <= last) continue;
    parts.push(line.slice(start, m.index));
    start = m.index + 1;
    last = n;
  }
  parts.push(line.slice(start));
  return parts;
}
