/**
 * /proc/PID/stat: "1234 (comm) S 1 ...". comm sits between the first "(" and
 * the *last* ")": it may hold spaces and both parentheses (PR_SET_NAME, 16
 * bytes; 64 for kernel threads), so a line is short. Total: bad input gives
 * `{ ok: false, error }`, never a throw.
 */
import { toInt, toUint, type Parsed } from './numbers.js';

export interface StatFields {
  pid: number;
  comm: string;
  /** One-letter state code (S, R, D, T, t, Z, ...). */
  stateCode: string;
  ppid: number;
  /** Clock ticks. */
  utime: number;
  stime: number;
  numThreads: number;
  /** Clock ticks since boot (field 22): with pid, the process identity. */
  startTicks: number;
}

const MAX_STAT_CHARS = 4096;

/** Fields after comm, 0-based: state=0 (field 3), ppid=1, utime=11, stime=12, threads=17, starttime=19 (field 22). */
export function parseStat(text: string): Parsed<StatFields> {
  if (text.length === 0) return { ok: false, error: 'empty' };
  if (text.length > MAX_STAT_CHARS) return { ok: false, error: `longer than ${MAX_STAT_CHARS} chars` };
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return { ok: false, error: 'no "(comm)"' };
  const pid = toUint(text.slice(0, open).trim());
  if (pid === null) return { ok: false, error: 'bad pid' };
  const rest = text
    .slice(close + 1)
    .trim()
    .split(' ', 24);
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
  return {
    ok: true,
    value: { pid, comm: text.slice(open + 1, close), stateCode, ppid, utime, stime, numThreads, startTicks },
  };
}

/** The stat fields, or null when the text is not a stat line. */
export function parseStatOrNull(text: string): StatFields | null {
  const r = parseStat(text);
  return r.ok ? r.value : null;
}
