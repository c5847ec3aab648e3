/**
 * /proc/PID/stat: "1234 (comm) S 1 ...". comm sits between the first "(" and
 * the *last* ")": it may hold spaces and both parentheses (PR_SET_NAME, 16
 * bytes; 64 for kernel threads), so a line is short. Total: bad input gives
 * `{ ok: false, error }`, never a throw.
 *
 * Parsed from the bytes as read (discovery parses one per process on the
 * host: decoding the whole line and splitting it into 24 strings cost more
 * than the read's own JavaScript). Only comm is decoded (UTF-8, lossily).
 * The delimiters are ASCII, which never occurs inside a multi-byte UTF-8
 * sequence, so byte and character positions find the same "(", ")" and fields.
 */
import type { Parsed } from './numbers.js';

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

const MAX_STAT_BYTES = 4096;
const SPACE = 0x20;
const OPEN = 0x28; // (
const CLOSE = 0x29; // )
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
/** Digits a double holds exactly; longer numbers go through Number() as before. */
const EXACT_DIGITS = 15;

/** The text form of a stat line (golden files, tests): its UTF-8 bytes, parsed. */
export function parseStat(text: string): Parsed<StatFields> {
  if (text.length > MAX_STAT_BYTES) return { ok: false, error: `longer than ${MAX_STAT_BYTES} bytes` };
  const bytes = Buffer.from(text, 'utf8');
  return parseStatBytes(bytes, bytes.length);
}

/** The first n bytes of buf, as read from /proc/PID/stat. */
export function parseStatBytes(buf: Buffer, n: number): Parsed<StatFields> {
  if (n === 0) return { ok: false, error: 'empty' };
  if (n > MAX_STAT_BYTES) return { ok: false, error: `longer than ${MAX_STAT_BYTES} bytes` };
  const open = buf.indexOf(OPEN);
  const close = buf.lastIndexOf(CLOSE, n - 1);
  if (open < 1 || open >= n || close < open) return { ok: false, error: 'no "(comm)"' };
  const pid = uintIn(buf, skipSpace(buf, 0, open), trimEnd(buf, 0, open));
  if (pid === null) return { ok: false, error: 'bad pid' };
  return fieldsAfterComm(buf, close + 1, n, pid, buf.toString('utf8', open + 1, close));
}

/** Past the 20th field (starttime, field 22) nothing is read: a field count above 20 changes nothing. */
const WANTED = 20;
/** Start of each field (and of the one after the 20th): scratch, filled and read within one synchronous call. */
const FIELD_STARTS = new Int32Array(WANTED + 1);

/**
 * The fields after ")", trimmed and split on single spaces as
 * `.trim().split(' ')` would split them: state=0 (field 3), ppid=1,
 * utime=11, stime=12, threads=17, starttime=19 (field 22).
 */
function fieldsAfterComm(buf: Buffer, from: number, n: number, pid: number, comm: string): Parsed<StatFields> {
  const start = skipSpace(buf, from, n);
  const end = trimEnd(buf, start, n);
  const at = FIELD_STARTS;
  at[0] = start;
  let count = 1;
  for (let i = start; i < end && count <= WANTED; i++) if (buf[i] === SPACE) at[count++] = i + 1;
  if (count < WANTED) return { ok: false, error: `not enough fields: ${count + 2} < 22` };
  if (count === WANTED) at[WANTED] = end + 1;
  const s0 = at[0]!;
  if (at[1]! - 1 - s0 !== 1 || !isLetter(buf[s0]!))
    return { ok: false, error: `bad state "${buf.toString('utf8', s0, Math.min(at[1]! - 1, s0 + 32)).slice(0, 8)}"` };
  const ppid = intIn(buf, at[1]!, at[2]! - 1);
  const utime = uintIn(buf, at[11]!, at[12]! - 1);
  const stime = uintIn(buf, at[12]!, at[13]! - 1);
  const numThreads = intIn(buf, at[17]!, at[18]! - 1);
  const startTicks = uintIn(buf, at[19]!, at[20]! - 1);
  if (ppid === null || utime === null || stime === null || numThreads === null || startTicks === null) {
    return { ok: false, error: 'non-numeric ppid/utime/stime/num_threads/starttime' };
  }
  const stateCode = String.fromCharCode(buf[s0]!);
  return { ok: true, value: { pid, comm, stateCode, ppid, utime, stime, numThreads, startTicks } };
}

/** 1-20 ASCII digits, as a number (as Number() reads them); null otherwise. */
function uintIn(buf: Buffer, from: number, to: number): number | null {
  const len = to - from;
  if (len < 1 || len > 20) return null;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i]!;
    if (c < ZERO || c > NINE) return null;
    v = v * 10 + (c - ZERO);
  }
  return len <= EXACT_DIGITS ? v : Number(buf.toString('latin1', from, to));
}

/** An optional "-" and 1-20 digits. */
function intIn(buf: Buffer, from: number, to: number): number | null {
  if (from < to && buf[from] === MINUS) {
    const v = uintIn(buf, from + 1, to);
    return v === null ? null : -v;
  }
  return uintIn(buf, from, to);
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * Length in bytes of the whitespace character String.prototype.trim would
 * remove at buf[i] (within to), or 0: ASCII \t \n \v \f \r and space, and
 * the Unicode spaces in UTF-8 (U+00A0, U+1680, U+2000-200A, U+2028-2029,
 * U+202F, U+205F, U+3000, U+FEFF). A kernel writes only ASCII; the rest is
 * here so a fake tree's line reads as it always did.
 */
function spaceAt(buf: Buffer, i: number, to: number): number {
  const c = buf[i]!;
  if (c === SPACE || (c >= 0x09 && c <= 0x0d)) return 1;
  if (c < 0xc2 || i + 1 >= to) return 0;
  const c1 = buf[i + 1]!;
  if (c === 0xc2) return c1 === 0xa0 ? 2 : 0;
  if (i + 2 >= to) return 0;
  const c2 = buf[i + 2]!;
  if (c === 0xe1) return c1 === 0x9a && c2 === 0x80 ? 3 : 0;
  if (c === 0xe2 && c1 === 0x80) return (c2 >= 0x80 && c2 <= 0x8a) || c2 === 0xa8 || c2 === 0xa9 || c2 === 0xaf ? 3 : 0;
  if (c === 0xe2) return c1 === 0x81 && c2 === 0x9f ? 3 : 0;
  if (c === 0xe3) return c1 === 0x80 && c2 === 0x80 ? 3 : 0;
  return c === 0xef && c1 === 0xbb && c2 === 0xbf ? 3 : 0;
}

function skipSpace(buf: Buffer, from: number, to: number): number {
  for (let k = from < to ? spaceAt(buf, from, to) : 0; k > 0; k = from < to ? spaceAt(buf, from, to) : 0) from += k;
  return from;
}

/** Whitespace ends with an ASCII byte or a multi-byte character's last byte (0x80-0xbf): look back 1, 2 or 3 bytes. */
function trimEnd(buf: Buffer, from: number, to: number): number {
  while (to > from) {
    const last = buf[to - 1]!;
    if (last < 0x80) {
      if (spaceAt(buf, to - 1, to) !== 1) break;
      to--;
    } else if (to - 2 >= from && spaceAt(buf, to - 2, to) === 2) to -= 2;
    else if (to - 3 >= from && spaceAt(buf, to - 3, to) === 3) to -= 3;
    else break;
  }
  return to;
}

/** The stat fields, or null when the text is not a stat line. */
export function parseStatOrNull(text: string): StatFields | null {
  const r = parseStat(text);
  return r.ok ? r.value : null;
}
