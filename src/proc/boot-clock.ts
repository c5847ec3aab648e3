/**
 * The one boot-clock source: btime from the root's /proc/stat (read once per
 * root: it never changes while the host is up), and the conversions from a
 * process's start (clock ticks after boot, /proc/PID/stat field 22) to ms
 * since the epoch. Null where the root has no Linux /proc/stat (illumos).
 */
import { join } from 'node:path';
import { isFailure, procReader } from './read.js';
import { parseBtime } from './parse/proc-stat.js';
import { parseStatOrNull } from './parse/stat.js';

const bootTimes = new Map<string, number>();

export function readBootTimeSec(procRoot: string): number | null {
  const cached = bootTimes.get(procRoot);
  if (cached !== undefined) return cached;
  const text = procReader.readText(join(procRoot, 'stat'), 1 << 20);
  const btime = isFailure(text) ? null : parseBtime(text);
  if (btime !== null) bootTimes.set(procRoot, btime);
  return btime;
}

export function startTimeMs(startTicks: number, btimeSec: number, clockTicks: number): number {
  return btimeSec * 1000 + Math.round((startTicks * 1000) / clockTicks);
}

export function ticksToMs(ticks: number, clockTicks: number): number {
  return Math.round((ticks * 1000) / clockTicks);
}

/** What turns a stat's ticks into wall time: btime and USER_HZ. */
export interface BootClock {
  btimeSec: number;
  clockTicks: number;
}

/** Start of pid in ms since the epoch (with pid, the process identity); null when unreadable or not Linux. */
export function readStartTimeMs(procRoot: string, pid: number, clkTck = 100): number | null {
  const text = procReader.readText(join(procRoot, String(pid), 'stat'), 4096);
  const stat = isFailure(text) ? null : parseStatOrNull(text);
  const btime = readBootTimeSec(procRoot);
  if (!stat || btime === null) return null;
  return startTimeMs(stat.startTicks, btime, clkTck);
}
