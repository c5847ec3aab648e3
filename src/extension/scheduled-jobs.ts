/**
 * What extensions hand to the daemon's wall clock (src/daemon/wall-clock.ts):
 * the body of the `audit.schedule` job and the list the Slack digest shows as
 * "watched JVMs at risk". The audit extension sets both; the alert extension's
 * digest reads the list. Neither imports the other nor the daemon.
 */

export type AuditJob = (firedAt: Date) => Promise<unknown> | unknown;

/** A watched JVM the fork-risk audit rates at risk (supplied by the audit wiring). */
export interface AtRiskTarget {
  target: string;
  pid?: number;
  risk: 'low' | 'high';
  /** Short reasons, e.g. "launchMechanism=FORK", "LD_PRELOAD=libtcmalloc.so". */
  reasons: string[];
}

export type AtRiskProvider = () => Promise<AtRiskTarget[]> | AtRiskTarget[];

export interface ScheduledJobs {
  /** The body of the `audit.schedule` job (replaces the previous one; before or after start). */
  setAuditJob(run: AuditJob): void;
  /** What the digest lists as "watched JVMs at risk" (read at each digest). */
  setAtRiskProvider(provider: AtRiskProvider): void;
}
