/**
 * Pure parsers for POSIX `ps` and illumos/Solaris `ptree` output. Total: a
 * line that does not parse is skipped with a warning, never a throw.
 *
 * The listing forkwatch asks for (ps-columns below), e.g. procps-ng 4:
 *
 *     PID  PPID   UID     ELAPSED     TIME S NLWP COMMAND  COMMAND
 *    5902  5900     0       03:03 00:00:00 S    1 bash     bash /dev/fd/3
 *
 * `fname` is left-aligned in a fixed width (8) and may hold spaces (Linux: a
 * thread name such as "SCM poll"), so it is cut by the header's column width,
 * not split on blanks. `args` is the rest of the line; illumos keeps only its
 * first 80 bytes (PRARGSZ), so it is compared as ps gives it.
 *
 * `ptree 1234` (illumos): ancestors, the process, then descendants, indented
 * two spaces per level:
 *
 *    1     /sbin/init
 *      812   /usr/bin/java -jar /opt/jenkins/jenkins.war
 *        4711  /usr/bin/java -jar /opt/jenkins/jenkins.war
 */
import type { ProcessInfo, ScanWarning } from './types.js';
import { mapState } from './state.js';

/** The columns forkwatch passes to `ps -o`, in this order; args last (it has blanks). */
export const PS_COLUMNS = ['pid', 'ppid', 'uid', 'etime', 'time', 's', 'nlwp', 'fname', 'args'] as const;

const DURATION = /^(?:(\d{1,6})-)?(?:(\d{1,3}):)?(\d{1,3}):(\d{1,2})(?:\.\d{1,3})?$/;

/** `[[dd-]hh:]mm:ss` (etime, time) → ms; null when malformed. */
export function parseEtime(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m) return null;
  const [days, hours, mins, secs] = [m[1], m[2], m[3], m[4]].map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  if (secs >= 60 || (m[2] !== undefined && mins >= 60)) return null;
  return (((days * 24 + hours) * 60 + mins) * 60 + secs) * 1000;
}

export interface PsParseOptions {
  /** When the listing was taken (ms since epoch): start time = at - etime. */
  atMs: number;
  /** illumos/Solaris: args are cut at 80 bytes. */
  argsMayBeTruncated?: boolean;
}

export interface PsListing {
  processes: ProcessInfo[];
  warnings: ScanWarning[];
  malformed: number;
}

interface Layout {
  leading: string[];
  fnameWidth: number | null;
}

const HEADER_KEYS: Record<string, string> = {
  PID: 'pid',
  PPID: 'ppid',
  UID: 'uid',
  ELAPSED: 'etime',
  TIME: 'time',
  S: 's',
  NLWP: 'nlwp',
  NLWPS: 'nlwp',
};

/** Column keys before the COMMAND columns, and fname's width from the header. */
function readHeader(header: string): Layout | string {
  const tokens = [...header.matchAll(/\S+/g)];
  const names = tokens.map((t) => t[0]);
  const firstCmd = names.findIndex((n) => n === 'COMMAND' || n === 'CMD' || n === 'ARGS');
  if (firstCmd < 0) return 'header has no COMMAND column';
  const leading = names.slice(0, firstCmd).map((n) => HEADER_KEYS[n] ?? '?');
  if (!leading.includes('pid') || !leading.includes('ppid')) return `header lacks PID/PPID: "${header.slice(0, 120)}"`;
  const cmdCount = names.length - firstCmd;
  if (cmdCount === 1) return { leading, fnameWidth: null };
  if (cmdCount !== 2) return `unexpected header: "${header.slice(0, 120)}"`;
  const fnameAt = tokens[firstCmd]!.index!;
  const argsAt = tokens[firstCmd + 1]!.index!;
  return { leading, fnameWidth: argsAt - fnameAt - 1 };
}

export function parsePsListing(text: string, opts: PsParseOptions): PsListing {
  const out: PsListing = { processes: [], warnings: [], malformed: 0 };
  const lines = text.split('\n');
  const headerIdx = lines.findIndex((l) => l.trim() !== '');
  if (headerIdx < 0) {
    out.warnings.push({ message: 'empty ps listing' });
    return out;
  }
  const layout = readHeader(lines[headerIdx]!);
  if (typeof layout === 'string') {
    out.warnings.push({ message: layout });
    return out;
  }
  for (let i = headerIdx + 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const p = parsePsLine(line, layout, opts);
    if (typeof p === 'string') {
      out.malformed++;
      if (out.warnings.length < 50) out.warnings.push({ message: `ps line ${i + 1}: ${p}` });
    } else out.processes.push(p);
  }
  return out;
}

function parsePsLine(line: string, layout: Layout, opts: PsParseOptions): ProcessInfo | string {
  const fields: Record<string, string> = {};
  let pos = 0;
  for (const key of layout.leading) {
    const m = /^\s*(\S+)/.exec(line.slice(pos, pos + 64));
    if (!m) return 'too few columns';
    fields[key] = m[1]!;
    pos += m[0].length;
  }
  let rest = line.slice(pos);
  if (!rest.startsWith(' ')) return 'no command columns';
  rest = rest.slice(1);
  let fname = '';
  let args = rest;
  if (layout.fnameWidth !== null) {
    const w = layout.fnameWidth;
    if (rest.length > w && rest[w] !== ' ') {
      const sp = rest.indexOf(' '); // fname wider than its header: fall back to the first blank
      fname = sp < 0 ? rest : rest.slice(0, sp);
      args = sp < 0 ? '' : rest.slice(sp + 1);
    } else {
      fname = rest.slice(0, w).trimEnd();
      args = rest.slice(w + 1);
    }
  }
  return toProcessInfo(fields, fname.trimStart(), args, opts);
}

function num(s: string | undefined): number | null {
  return s !== undefined && /^-?\d{1,12}$/.test(s) ? Number(s) : null;
}

function toProcessInfo(
  f: Record<string, string>,
  fname: string,
  args: string,
  opts: PsParseOptions,
): ProcessInfo | string {
  const pid = num(f.pid);
  const ppid = num(f.ppid);
  if (pid === null || pid < 0 || ppid === null) return `bad pid/ppid "${f.pid}" "${f.ppid}"`;
  const etimeMs = f.etime === undefined ? null : parseEtime(f.etime);
  if (f.etime !== undefined && etimeMs === null) return `bad etime "${f.etime.slice(0, 20)}"`;
  const stateCode = f.s ?? '?';
  const threads = num(f.nlwp);
  return {
    pid,
    ppid,
    startTimeMs: etimeMs === null ? 0 : opts.atMs - etimeMs,
    stateCode,
    state: mapState(stateCode),
    threads: threads ?? 0,
    uid: num(f.uid),
    comm: fname,
    cmdline: Buffer.from(args.trimEnd(), 'utf8'),
    cmdlineTruncated: Boolean(opts.argsMayBeTruncated) && Buffer.byteLength(args.trimEnd()) >= 79,
    exe: null,
    exeDeleted: false,
    exeDev: null,
    exeIno: null,
    cpuTimeMs: f.time === undefined ? null : parseEtime(f.time),
    wchan: null,
  };
}

export interface PtreeEntry {
  pid: number;
  /** The entry this one is indented under; null at the top. */
  ppid: number | null;
  depth: number;
  args: string;
}

export function parsePtree(text: string): { entries: PtreeEntry[]; warnings: ScanWarning[] } {
  const entries: PtreeEntry[] = [];
  const warnings: ScanWarning[] = [];
  const stack: { indent: number; pid: number }[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const m = /^( {0,400})(\d{1,10})(?:\s+(.*))?$/.exec(line.slice(0, 8192));
    if (!m) {
      if (warnings.length < 50) warnings.push({ message: `ptree line ${i + 1}: not "PID ARGS"` });
      continue;
    }
    const indent = m[1]!.length;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const pid = Number(m[2]);
    entries.push({ pid, ppid: stack.at(-1)?.pid ?? null, depth: stack.length, args: (m[3] ?? '').trimEnd() });
    stack.push({ indent, pid });
  }
  return { entries, warnings };
}

/** Pids below `root` in a ptree listing (the root excluded). */
export function ptreeDescendants(entries: PtreeEntry[], root: number): number[] {
  const below = new Set<number>([root]);
  const out: number[] = [];
  for (const e of entries) {
    if (e.ppid !== null && below.has(e.ppid) && !below.has(e.pid)) {
      below.add(e.pid);
      out.push(e.pid);
    }
  }
  return out;
}
