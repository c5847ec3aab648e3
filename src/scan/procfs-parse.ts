/**
 * Pure parsers for the Linux /proc files forkwatch reads. Total: bad input
 * gives `{ ok: false, error }` (or null), never a throw. Readers live in
 * procfs-read.ts; these take text or bytes already read.
 *
 *   /proc/PID/stat     "1234 (comm) S 1 ..."   comm may hold spaces and ')'
 *   /proc/PID/status   "State:\tS (sleeping)\nThreads:\t1\nUid:\t0 0 0 0\n"
 *   /proc/PID/cmdline  NUL-separated argv bytes, compared byte-exactly
 *   /proc/PID/exe      link text, " (deleted)" appended when the image is gone
 */
import type { ProcessState } from './types.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export interface StatFields {
  pid: number;
  comm: string;
  stateCode: string;
  ppid: number;
  /** Clock ticks. */
  utime: number;
  stime: number;
  numThreads: number;
  /** Clock ticks since boot (field 22). */
  startTicks: number;
}

/** comm can be up to 64 bytes of anything (PR_SET_NAME), so a line is short. */
const MAX_STAT_CHARS = 4096;
const UINT = /^\d{1,20}$/;
const INT = /^-?\d{1,20}$/;

function toUint(s: string | undefined): number | null {
  return s !== undefined && UINT.test(s) ? Number(s) : null;
}

function toInt(s: string | undefined): number | null {
  return s !== undefined && INT.test(s) ? Number(s) : null;
}

/** Fields after comm, 0-based: state=0 (field 3), ppid=1, utime=11, stime=12, threads=17, starttime=19 (field 22). */
export function parseStat(text: string): Parsed<StatFields> {
  if (text.length === 0) return { ok: false, error: 'empty' };
  if (text.length > MAX_STAT_CHARS) return { ok: false, error: `longer than ${MAX_STAT_CHARS} chars` };
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return { ok: false, error: 'no "(comm)"' };
  const pid = toUint(text.slice(0, open).trim());
  if (pid === null) return { ok: false, error: 'bad pid' };
  const rest = text.slice(close + 1).trim().split(' ');
  if (rest.length < 20) return { ok: false, error: `not enough fields: ${rest.length + 2} < 22` };
  const stateCode = rest[0] ?? '';
  if (!/^[A-Za-z]$/.test(stateCode)) return { ok: false, error: `bad state "${stateCode.slice(0, 8)}"` };
  const ppid = toInt(rest[1]);
  const utime = toUint(rest[11]);
  const stime = toUint(rest[12]);
  const numThreads = toInt(rest[17]);
  const startTicks = toUint(rest[19]);
  if (ppid === null || utime === null || stime === null || numThreads === null || startTicks === null) {
    return { ok: false, error: 'non-numeric ppid/utime/stime/num_threads/starttime' };
  }
  return { ok: true, value: { pid, comm: text.slice(open + 1, close), stateCode, ppid, utime, stime, numThreads, startTicks } };
}

export interface StatusFields {
  stateCode: string | null;
  threads: number | null;
  /** Effective uid (second Uid column), as ps shows it. */
  uid: number | null;
}

/** Missing keys are null: a partial status (kernel threads, truncation) is still useful. */
export function parseStatus(text: string): StatusFields {
  const out: StatusFields = { stateCode: null, threads: null, uid: null };
  for (const line of text.slice(0, 65536).split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (key === 'State') out.stateCode = /^[A-Za-z]\b/.test(value) ? value.charAt(0) : null;
    else if (key === 'Threads') out.threads = toUint(value);
    else if (key === 'Uid') out.uid = toUint(value.split(/\s+/)[1]);
  }
  return out;
}

export interface Cmdline {
  /** The bytes as read (copied): what never-exec'd comparison uses. */
  raw: Buffer;
  /** argv split on NUL, trailing empty element dropped. Bytes, not decoded. */
  args: Buffer[];
}

export function parseCmdline(bytes: Buffer): Cmdline {
  const raw = Buffer.from(bytes);
  const args: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0) {
      args.push(raw.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < raw.length) args.push(raw.subarray(start));
  return { raw, args };
}

/** argv joined by spaces, decoded for display and for target regexes only. */
export function cmdlineText(raw: Buffer): string {
  const end = raw.length > 0 && raw[raw.length - 1] === 0 ? raw.length - 1 : raw.length;
  return raw.subarray(0, end).toString('utf8').replaceAll('\0', ' ');
}

const DELETED = ' (deleted)';

export function parseExeLink(link: string): { path: string; deleted: boolean } {
  return link.endsWith(DELETED) ? { path: link.slice(0, -DELETED.length), deleted: true } : { path: link, deleted: false };
}

/** "btime 1700000000" from /proc/stat, seconds since the epoch. */
export function parseBtime(procStat: string): number | null {
  const m = /^btime (\d{1,15})$/m.exec(procStat.slice(0, 1 << 20));
  return m ? Number(m[1]) : null;
}

/** /proc/PID/task/TID/children: "12 34 56 " */
export function parseChildren(text: string): number[] {
  const out: number[] = [];
  for (const tok of text.slice(0, 1 << 20).split(/\s+/)) {
    const pid = toUint(tok);
    if (pid !== null && pid > 0) out.push(pid);
  }
  return out;
}

/** /proc/PID/wchan: a kernel symbol, "0" (or empty) when not blocked or hidden. */
export function parseWchan(text: string): string | null {
  const s = text.trim();
  return s === '' || s === '0' || s.length > 128 ? null : s;
}

export function startTimeMs(startTicks: number, btimeSec: number, clockTicks: number): number {
  return btimeSec * 1000 + Math.round((startTicks * 1000) / clockTicks);
}

export function ticksToMs(ticks: number, clockTicks: number): number {
  return Math.round((ticks * 1000) / clockTicks);
}

const STATES: Record<string, ProcessState> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk-sleep',
  T: 'stopped',
  t: 'traced',
  Z: 'zombie',
  X: 'dead',
  x: 'dead',
  I: 'idle',
  // illumos / Solaris ps
  O: 'running',
  W: 'running', // illumos: waiting under a CPU cap
};

export function mapState(code: string): ProcessState {
  return STATES[code] ?? 'unknown';
}
