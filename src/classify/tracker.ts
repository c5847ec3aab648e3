/**
 * Memory across scans, per process identity: when we first saw it and its
 * CPU time last scan (CPU progress tells a busy worker from a stuck one).
 * Entries not seen in a scan are dropped, so a reused pid starts afresh.
 */
import type { ProcessInfo } from '../scan/types.js';
import { sameIdentity } from './process-identity.js';

interface Seen {
  startTimeMs: number;
  firstSeenMs: number;
  cpuTimeMs: number | null;
}

export class ChildTracker {
  private byPid = new Map<number, Seen>();
  private next = new Map<number, Seen>();

  /** @param toleranceMs start-time slack (ps: 2 s; procfs: exact). */
  constructor(private readonly toleranceMs = 0) {}

  /** What the previous scan saw of this very process (same identity), if anything. */
  previous(p: ProcessInfo): { firstSeenMs: number; cpuTimeMs: number | null } | undefined {
    const s = this.byPid.get(p.pid);
    return s && sameIdentity({ pid: p.pid, startTimeMs: s.startTimeMs }, p, this.toleranceMs) ? s : undefined;
  }

  /** Record p for the scan in progress; call commit() when the scan ends. */
  observe(p: ProcessInfo, nowMs: number): void {
    const prev = this.previous(p);
    this.next.set(p.pid, {
      startTimeMs: p.startTimeMs,
      firstSeenMs: prev?.firstSeenMs ?? nowMs,
      cpuTimeMs: p.cpuTimeMs,
    });
  }

  commit(): void {
    this.byPid = this.next;
    this.next = new Map();
  }

  get size(): number {
    return this.byPid.size;
  }
}
