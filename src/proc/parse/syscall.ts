/**
 * /proc/PID/syscall: "202 0x55dc615ee1c0 0x80 0x2 0x0 0x0 0x0 0x7ffc73030818 0x7fd3452c712b"
 * (nr, six args, stack pointer, program counter; or "running", or "-1 sp pc").
 * Total: bad input gives null fields, never a throw.
 */
import { toHexBig } from './numbers.js';

export interface ProcSyscall {
  /** The raw line, trimmed: compared across samples. */
  line: string;
  /** Syscall number; -1: blocked outside a syscall; null: "running" or unparsable. */
  nr: number | null;
  running: boolean;
  /** The six arguments (absent when nr is -1). */
  args: bigint[];
}

export function parseSyscall(text: string): ProcSyscall | null {
  const line = text.trim().slice(0, 512);
  if (line === '') return null;
  if (line === 'running') return { line, nr: null, running: true, args: [] };
  const parts = line.split(/\s+/, 9);
  const nr = /^-?[0-9]{1,18}$/.test(parts[0] ?? '') ? Number(parts[0]) : null;
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
