/**
 * One process as the scan sees it (ProcessInfo), read through src/proc: stat
 * and cmdline always, status / exe / wchan as the caller needs. A pid that
 * vanishes mid-read is 'gone', never an error.
 */
import type { ProcessInfo } from './types.js';
import { isFailure, type ReadFailure } from '../proc/read.js';
import type { ProcFS } from '../proc/fs.js';
import { startTimeMs, ticksToMs, type BootClock } from '../proc/boot-clock.js';
import type { StatFields } from '../proc/parse/stat.js';
import { mapState } from './state.js';

export type ProcfsClock = BootClock;

export interface ReadOptions {
  status?: boolean;
  exe?: boolean;
  wchan?: boolean;
  /** Re-read stat at the end: a pid reused mid-read is reported gone, not mixed. */
  verify?: boolean;
  /** Cap of the cmdline read (1 MiB). */
  maxCmdlineBytes?: number;
}

export type ProcessRead =
  | { kind: 'ok'; info: ProcessInfo; exeDenied: boolean }
  | { kind: 'gone' }
  | { kind: 'denied'; file: string }
  | { kind: 'malformed'; file: string; message: string };

/** How many times a "0" wchan is read again (each with a fresh stat) before it counts as unknown. */
const WCHAN_ATTEMPTS = 4;

export function readProcess(fs: ProcFS, pid: number, clock: BootClock, opts: ReadOptions = {}): ProcessRead {
  const stat = fs.stat(pid);
  if (isFailure(stat)) return failed(stat, fs.path(pid, 'stat'));
  let uid: number | null = null;
  if (opts.status) {
    const status = fs.status(pid);
    if (isFailure(status)) return failed(status, fs.path(pid, 'status'));
    uid = status.effectiveUid;
  }
  const cmd = fs.cmdline(pid, opts.maxCmdlineBytes);
  if (isFailure(cmd)) return failed(cmd, fs.path(pid, 'cmdline'));
  const exe = opts.exe ? fs.exe(pid) : null;
  const exeDenied = isFailure(exe) && exe.failed === 'denied';
  let s = stat;
  let wchan: string | null = null;
  if (opts.wchan) wchan = readWchan(fs, pid);
  if (opts.verify) {
    const again = reverify(fs, pid, s, opts.wchan === true && wchan === null);
    if (again === 'gone') return { kind: 'gone' };
    s = again.stat;
    wchan ??= again.wchan;
  }
  const image = exe && !isFailure(exe) ? exe : null;
  const info: ProcessInfo = {
    pid: s.pid,
    startTimeMs: startTimeMs(s.startTicks, clock.btimeSec, clock.clockTicks),
    ppid: s.ppid,
    stateCode: s.stateCode,
    state: mapState(s.stateCode),
    threads: s.numThreads,
    uid,
    comm: s.comm,
    cmdline: cmd.bytes,
    cmdlineTruncated: cmd.truncated,
    exe: image?.path ?? null,
    exeDeleted: image?.deleted ?? false,
    exeDev: image?.dev ?? null,
    exeIno: image?.ino ?? null,
    cpuTimeMs: ticksToMs(s.utime + s.stime, clock.clockTicks),
    wchan,
  };
  return { kind: 'ok', info, exeDenied };
}

function readWchan(fs: ProcFS, pid: number): string | null {
  const w = fs.wchan(pid);
  return isFailure(w) ? null : w;
}

/**
 * stat again: a pid reused mid-read is gone. wchan reads "0" while the task
 * runs: the later stat says so (R) more often than the first. A busy child
 * caught on a CPU a few times in a row would read as "no wait channel"
 * (unknown, so a suspect): look again, briefly, until it is seen running or waiting.
 */
function reverify(
  fs: ProcFS,
  pid: number,
  first: StatFields,
  retryWchan: boolean,
): 'gone' | { stat: StatFields; wchan: string | null } {
  const again = fs.stat(pid);
  if (isFailure(again) || again.startTicks !== first.startTicks) return 'gone';
  let s = again;
  let wchan: string | null = null;
  if (!retryWchan) return { stat: first, wchan };
  for (let attempt = 0; attempt < WCHAN_ATTEMPTS && s.stateCode !== 'R'; attempt++) {
    wchan = readWchan(fs, pid);
    if (wchan !== null) break;
    const next = fs.stat(pid);
    if (isFailure(next) || next.startTicks !== s.startTicks) return 'gone';
    s = next;
  }
  return { stat: s, wchan };
}

function failed(f: ReadFailure, file: string): ProcessRead {
  if (f.failed === 'gone') return { kind: 'gone' };
  if (f.failed === 'denied') return { kind: 'denied', file };
  return { kind: 'malformed', file, message: f.code.replace(/^malformed stat: /, '') };
}
