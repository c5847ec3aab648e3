/** Plain data from classify to capture/record/expose. */
import type { ProcessInfo, ScanStats, ScanWarning } from '../scan/types.js';
import type { ChildActivity } from './activity.js';

export type { ChildActivity };

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
  /** What it is doing (state, wchan, CPU progress); overdue needs 'lock-wait' or 'unknown'. */
  activity?: ChildActivity;
  /** One line on why it is (not) overdue, for people. */
  reason?: string;
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
  /** The hungAfter this report was classified with. */
  hungAfterMs?: number;
}
