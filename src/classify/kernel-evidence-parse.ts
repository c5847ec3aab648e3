/**
 * Pure parsers for the Linux /proc files kernel evidence is built from:
 * /proc/PID/status, /proc/PID/stat and /proc/PID/syscall. Total: bad input
 * gives nulls, never a throw. Samples (this kernel, a hung child):
 *
 *   syscall: "202 0x55dc615ee1c0 0x80 0x2 0x0 0x0 0x0 0x7ffc73030818 0x7fd3452c712b"
 *            (nr, six args, stack pointer, program counter; or "running", or "-1 sp pc")
 *   stat:    "9573 (deadlocker-2ac1) S 9567 ... utime stime ... starttime ..."
 */

export interface ProcStatus {
  /** One-letter state code (S, R, D, T, t, Z, ...). */
  state: string | null;
  threads: number | null;
  tracerPid: number | null;
  /** Real uid (first of the four). */
  uid: number | null;
  voluntaryCtxtSwitches: number | null;
  nonvoluntaryCtxtSwitches: number | null;
  /** Pending signal masks (thread and shared), as bigint bit sets; null where absent. */
  sigPnd: bigint | null;
  shdPnd: bigint | null;
}

const MAX_LINES = 200;

export function parseProcStatus(text: string): ProcStatus {
  const fields = new Map<string, string>();
  for (const line of text.split('\n', MAX_LINES)) {
    const colon = line.indexOf(':');
    if (colon > 0 && colon < 64) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return {
    state: firstChar(fields.get('State')),
    threads: toInt(fields.get('Threads')),
    tracerPid: toInt(fields.get('TracerPid')),
    uid: toInt(fields.get('Uid')?.split(/\s+/, 1)[0]),
    voluntaryCtxtSwitches: toInt(fields.get('voluntary_ctxt_switches')),
    nonvoluntaryCtxtSwitches: toInt(fields.get('nonvoluntary_ctxt_switches')),
    sigPnd: toHexBig(fields.get('SigPnd')),
    shdPnd: toHexBig(fields.get('ShdPnd')),
  };
}

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** utime + stime in clock ticks. */
  cpuTicks: number;
  /** Start time in clock ticks after boot: with pid, the process identity. */
  startTicks: number;
}

/** comm sits between the first "(" and the *last* ")": it may contain both. */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return null;
  const pid = toInt(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(' ', 24);
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const state = rest[0];
  const ppid = toInt(rest[1]);
  const utime = toInt(rest[11]);
  const stime = toInt(rest[12]);
  const startTicks = toInt(rest[19]);
  if (pid === null || !state || ppid === null || utime === null || stime === null || startTicks === null) return null;
  return { pid, comm: text.slice(open + 1, close), state, ppid, cpuTicks: utime + stime, startTicks };
}

export interface ProcSyscall {
  /** The raw line, trimmed: compared across samples. */
  line: string;
  /** Syscall number; -1: blocked outside a syscall; null: "running" or unparsable. */
  nr: number | null;
  running: boolean;
  /** The six arguments (absent when nr is -1). */
  args: bigint[];
}

export function parseProcSyscall(text: string): ProcSyscall | null {
  const line = text.trim().slice(0, 512);
  if (line === '') return null;
  if (line === 'running') return { line, nr: null, running: true, args: [] };
  const parts = line.split(/\s+/, 9);
  const nr = toInt(parts[0], true);
  if (nr === null) return { line, nr: null, running: false, args: [] };
  const args = nr >= 0 ? parts.slice(1, 7).map(toHexBig) : [];
  if (args.some((a) => a === null)) return { line, nr, running: false, args: [] };
  return { line, nr, running: false, args: args as bigint[] };
}

/** futex(2) syscall numbers by Node's process.arch. */
export const FUTEX_SYSCALL_NR: Readonly<Record<string, number>> = { x64: 202, arm64: 98 };

const FUTEX_WAIT = 0n;
const FUTEX_WAIT_BITSET = 9n;
const FUTEX_PRIVATE_FLAG = 0x80n;
const FUTEX_CLOCK_REALTIME = 0x100n;

/**
 * A private futex wait with no timeout: futex(uaddr, FUTEX_WAIT|PRIVATE (0x80),
 * val, NULL). FUTEX_WAIT_BITSET with a NULL timeout waits forever too, so it
 * counts as well. A shared (non-private) futex can be woken by another process,
 * and a timeout ends by itself: neither is proof of anything.
 */
export function isFutexWaitPrivate(sys: ProcSyscall | null, arch: string): boolean {
  const futexNr = FUTEX_SYSCALL_NR[arch];
  if (!sys || futexNr === undefined || sys.nr !== futexNr || sys.args.length < 4) return false;
  const op = sys.args[1]!;
  const timeout = sys.args[3]!;
  const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  return (op & FUTEX_PRIVATE_FLAG) !== 0n && (cmd === FUTEX_WAIT || cmd === FUTEX_WAIT_BITSET) && timeout === 0n;
}

/** SIGSTOP (19) is pending, thread or process wide: the task will stop as soon as it runs. */
export function isStopPending(status: ProcStatus): boolean {
  const bit = 1n << 18n; // signal N is bit N-1
  return ((status.sigPnd ?? 0n) & bit) !== 0n || ((status.shdPnd ?? 0n) & bit) !== 0n;
}

function firstChar(v: string | undefined): string | null {
  return v && v.length > 0 ? v[0]! : null;
}

function toInt(v: string | undefined, allowNegative = false): number | null {
  if (v === undefined) return null;
  const re = allowNegative ? /^-?[0-9]{1,18}$/ : /^[0-9]{1,18}$/;
  if (!re.test(v.trim())) return null;
  const n = Number(v.trim());
  return Number.isSafeInteger(n) ? n : null;
}

function toHexBig(v: string | undefined): bigint | null {
  if (v === undefined) return null;
  const s = v.trim();
  const m = /^(?:0x)?([0-9a-fA-F]{1,32})$/.exec(s);
  return m ? BigInt(`0x${m[1]}`) : null;
}
