/**
 * Is this pid still the process the scan saw? Its start time (clock ticks
 * after boot, /proc/PID/stat) is turned into ms since the epoch with btime.
 * A tolerance of one second is safe for suspects: a suspect is overdue (older
 * than hungAfter), so a process reusing its pid started at least that much
 * later than the one scanned.
 */
import { join } from 'node:path';
import { readProcText } from '../classify/kernel-evidence.js';
import { parseProcStat } from '../classify/kernel-evidence-parse.js';

const TOLERANCE_MS = 1000;

export function readStartTimeMs(procRoot: string, pid: number, clkTck = 100): number | null {
  const stat = parseProcStat(readProcText(join(procRoot, String(pid), 'stat')) ?? '');
  const btime = readBootTimeSec(procRoot);
  if (!stat || btime === null) return null;
  return btime * 1000 + Math.round((stat.startTicks * 1000) / clkTck);
}

const bootTimes = new Map<string, number>();

export function readBootTimeSec(procRoot: string): number | null {
  const cached = bootTimes.get(procRoot);
  if (cached !== undefined) return cached;
  const text = readProcText(join(procRoot, 'stat'), 1 << 20);
  const m = text ? /^btime ([0-9]{1,12})$/m.exec(text) : null;
  if (!m) return null;
  bootTimes.set(procRoot, Number(m[1]));
  return Number(m[1]);
}

/**
 * 'same' when pid still holds the identity (within the tolerance), 'gone' when
 * it exited or was reused, 'unknown' where /proc is not Linux's (illumos).
 */
export function verifyIdentity(procRoot: string, id: { pid: number; startTimeMs: number }): 'same' | 'gone' | 'unknown' {
  if (readBootTimeSec(procRoot) === null) return 'unknown';
  const now = readStartTimeMs(procRoot, id.pid);
  return now !== null && Math.abs(now - id.startTimeMs) <= TOLERANCE_MS ? 'same' : 'gone';
}
