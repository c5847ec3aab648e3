/** Plain data from classify to capture/record/expose. */
import type { ProcessInfo, ScanStats, ScanWarning } from '../scan/types.js';

/** A watched JVM process found for a configured target. */
export interface TargetProcess {
  /** The configured target's name (e.g. "jenkins"). */
  name: string;
  process: ProcessInfo;
  /** Resolved user name where known. */
  user: string | null;
}

export type ChildClass =
  /** Same image as the target (exe+cmdline, or ps fname+args): forked, never exec'd. */
  | 'never-execed'
  /** Ran exec(): git, sleep, another JVM with other args. Never flagged. */
  | 'execed'
  | 'zombie';

export interface ChildReport {
  target: { name: string; pid: number; startTimeMs: number };
  child: ProcessInfo;
  /** 1 for a direct child, 2 for a grandchild, ... */
  depth: number;
  classification: ChildClass;
  ageMs: number;
  /** never-execed and older than hungAfter. */
  overdue: boolean;
  /** When it became overdue (startTime + hungAfter), ms since epoch; null if not overdue. */
  overdueSince: number | null;
}

export interface ScanReport {
  at: number;
  host: string;
  targets: TargetProcess[];
  /** Targets configured but not found this scan (by name). */
  missingTargets: string[];
  children: ChildReport[];
  stats: ScanStats;
  warnings: ScanWarning[];
}
