/**
 * Plain data handed from scan to classify. One record per process, whatever
 * the source (procfs on Linux, `ps` on illumos/Solaris/any POSIX).
 */

/** A process's identity: a pid alone is reused, (pid, start time) is not. */
export interface ProcessIdentity {
  pid: number;
  /** Start time in ms since the epoch (procfs: exact to the clock tick; ps: to the second). */
  startTimeMs: number;
}

export type ProcessState =
  'running' | 'sleeping' | 'disk-sleep' | 'stopped' | 'traced' | 'zombie' | 'dead' | 'idle' | 'unknown';

export interface ProcessInfo extends ProcessIdentity {
  ppid: number;
  /** Raw one-letter state as the source gave it (R, S, D, Z, T, t, ...). */
  stateCode: string;
  state: ProcessState;
  threads: number;
  uid: number | null;
  /** procfs: comm (the *thread* name on Linux, e.g. a JVM thread); ps: fname. */
  comm: string;
  /** Command line bytes. procfs: NUL-separated, byte exact; ps: args text (maybe truncated). */
  cmdline: Buffer;
  /** True when cmdline came from `ps` and may be cut (illumos: 80 chars). */
  cmdlineTruncated: boolean;
  /** Executable image: path of /proc/PID/exe (without " (deleted)"); null where unknown. */
  exe: string | null;
  exeDeleted: boolean;
  /** Device and inode of the image where known (procfs stat of exe), to compare images exactly. */
  exeDev: number | null;
  exeIno: number | null;
  /** CPU time consumed, ms (utime + stime), where known. */
  cpuTimeMs: number | null;
  /**
   * Kernel function the process sleeps in (/proc/PID/wchan), read for a
   * target's descendants only; null when running, hidden or unknown (ps).
   */
  wchan?: string | null;
}

/** What a source reports besides processes: vanished pids are expected, never errors. */
export interface ScanStats {
  source: 'procfs' | 'ps';
  processesRead: number;
  vanished: number;
  permissionDenied: number;
  malformed: number;
  durationMs: number;
  /** 'targeted': only the targets and their descendants were read; 'full': every process. */
  mode?: 'targeted' | 'full';
}

export interface ScanWarning {
  pid?: number;
  file?: string;
  message: string;
}
