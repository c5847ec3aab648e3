/**
 * What the status page shows, as plain data. The page's data source (see
 * source.ts) fills these from the daemon's JSON API; the views only read them.
 * Every string here is untrusted until the views escape it.
 */

export type IncidentState = 'suspect' | 'confirmed' | 'remediated' | 'resolved';

export interface PageTarget {
  name: string;
  /** null when the target is configured but not found. */
  pid: number | null;
  startTimeMs: number | null;
  up: boolean;
  user: string | null;
  cmdline: string | null;
  /** Processes in its tree (itself and descendants), where known. */
  processes: number | null;
  /** Its fork-risk audit (GET /api/v1/targets/:name/audit), where the daemon runs the audit. */
  forkRisk?: PageForkRisk | null;
}

export interface PageForkRisk {
  pid: number | null;
  /** none / low / high; null: cannot tell or not audited yet. */
  risk: string | null;
  auditedAt: number | null;
  reasons: { rule: string; title: string; level: string; evidence: string; prevention: string }[];
  notes: string[];
}

export interface PageChild {
  target: string;
  targetPid: number | null;
  pid: number;
  startTimeMs: number | null;
  classification: string;
  ageMs: number | null;
  overdue: boolean;
  state: string | null;
  comm: string | null;
  cmdline: string | null;
  depth: number | null;
  /** The incident about this child, where one is open. */
  incidentId: string | null;
  incidentState?: string | null;
}

export interface PageFrame {
  fn: string | null;
  module: string | null;
  offset: number | null;
  address: string | null;
  source: string | null;
}

export interface PageThread {
  tid: number | null;
  name: string | null;
  frames: PageFrame[];
}

export interface PageAudit {
  at: number | null;
  action: string;
  outcome: string | null;
  detail: string | null;
  actor: string | null;
}

export interface PageIncident {
  id: string;
  state: IncidentState | string;
  host: string | null;
  target: { name: string; pid: number | null; startTimeMs: number | null };
  child: { pid: number; startTimeMs: number | null; comm: string | null; cmdline: string | null };
  signature: { id: string; title: string | null; severity: string | null; version: string | null } | null;
  fingerprint: string | null;
  jenkinsJob: string | null;
  forkingThread: { tid: number | null; name: string | null; javaName: string | null } | null;
  openedAt: number | null;
  confirmedAt: number | null;
  remediatedAt: number | null;
  resolvedAt: number | null;
  lastSeenAt: number | null;
  evidence: PageEvidence | null;
  audit: PageAudit[];
}

export interface PageEvidence {
  rawStack: string | null;
  captureBackend: string | null;
  captureError: string | null;
  threads: PageThread[];
  /** Matched frames per thread: thread index → frame indexes. */
  matched: { threadIndex: number; frameIndexes: number[] }[];
  /** Kernel facts as label/value pairs (wchan, syscall, state, ...). */
  kernel: { label: string; value: string }[];
}

export interface PageStatus {
  now: number;
  host: string | null;
  version: string | null;
  lastScanAt: number | null;
  lastSuccessfulScanAt: number | null;
  intervalMs: number | null;
  scanErrors: { at: number | null; stage: string | null; message: string }[];
  remediationMode: string;
  /** The kill endpoint exists and remediation is not off. */
  killAvailable: boolean;
  /** Why the page could not read some of its data (API errors), shown to the reader. */
  problems: string[];
}

export interface OverviewData {
  status: PageStatus;
  targets: PageTarget[];
  children: PageChild[];
  openIncidents: PageIncident[];
  /** More open incidents than shown: the API's next page of them (its cursor), else absent. */
  moreOpenCursor?: string | null;
  resolvedIncidents: PageIncident[];
}

export interface IncidentPageData {
  status: PageStatus;
  incident: PageIncident;
}
