/**
 * Plain data of the alert stage. The outbox rows themselves belong to
 * src/record (the store writes them in the transaction that changes the
 * incident); this file names only what the sender needs of them, so the
 * sinks stay pure and testable without a database.
 */

/** What a sink needs to know about an incident, whatever the store's model looks like. */
export interface AlertFacts {
  incidentId: string;
  host: string;
  target: { name: string; pid: number; user: string | null };
  child: { pid: number; startTimeMs: number };
  /** When it was confirmed hung (ms since epoch); null if never confirmed. */
  confirmedAt: number | null;
  resolvedAt: number | null;
  /** How it was resolved ("exited", "killed", ...) where the store knows. */
  resolution: string | null;
  classification: Classification;
  /** The matched frames' names, innermost first (empty when proven blocked only). */
  frames: string[];
  /** The JVM thread that forked the child (its comm on Linux) where known. */
  forkingThread: string | null;
  /** The Jenkins job whose SCM polling is stuck, where known. */
  job: string | null;
  references: { title: string; url?: string }[];
  /** The last remediation action, where one was taken or decided. */
  remediation: { mode: string; outcome: string; at: number; detail: string | null } | null;
}

export type Classification =
  | { kind: 'signature'; id: string; title: string; severity: 'critical' | 'warning' | 'info'; version: string | null }
  | { kind: 'proven-blocked' }
  | { kind: 'unknown' };

/** The transitions the store writes outbox rows for. */
export type TransitionKind = 'opened' | 'resolved' | 'remediated' | 'reminder';

export function transitionKind(transition: string): TransitionKind | null {
  if (transition === 'opened' || transition === 'resolved' || transition === 'remediated') return transition;
  if (/^reminder:[0-9]{1,9}$/.test(transition)) return 'reminder';
  return null;
}

/** One notification to deliver: an outbox row with its incident already turned into facts. */
export interface Notification {
  id: number;
  transition: string;
  kind: TransitionKind;
  sink: string;
  createdAt: number;
  attempts: number;
  facts: AlertFacts;
}

/** The result of delivering one HTTP request; never an exception. */
export type DeliveryResult =
  | { outcome: 'sent'; status: number; response: string }
  | { outcome: 'retry'; status: number | null; error: string; response: string | null; retryAfterMs: number | null }
  | { outcome: 'dead'; status: number; error: string; response: string };
