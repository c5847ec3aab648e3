/** What a tick is given (the stages, the store, metrics) and what it keeps between ticks. */
import type { ScanReport } from '../classify/types.js';
import type { Metrics } from '../extension/metrics.js';
import type { MatchPort } from '../match/port.js';
import type { IncidentStore } from '../record/types.js';
import type { Transition } from '../record/transition.js';
import type { TickSummary } from '../extension/daemon-view.js';
import type { Logger } from '../util/logger.js';
import type { EvidencePort, ScannerPort } from '../stages/ports.js';
import type { UnstoredEvidence } from './unstored.js';

export interface TickDeps {
  scanner: ScannerPort;
  evidence: EvidencePort | null;
  matcher: MatchPort | null;
  store: IncidentStore;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
  /** Hand-off to the notification sender: must return at once (delivery is async). */
  notify?: (transitions: Transition[]) => void;
  /** Fires at the tick's deadline (src/daemon/deadline.ts); deadlineMs is only for the message. */
  signal?: AbortSignal;
  deadlineMs?: number;
  /** Take one stack of each lingering child (capture.secondLook): src/daemon/second-look.ts. */
  secondLook?: boolean;
}

/** What survives between ticks (the capturer keeps its own per-identity state). */
export interface TickMemory {
  lastReport: ScanReport | null;
  lastSuccessAt: number | null;
  lastTick: TickSummary | null;
  /** Evidence the store failed to take, by incident key (bounded). */
  unstored: Map<string, UnstoredEvidence>;
  /** Identities of lingering children already given their second look (pruned to those present each tick). */
  looked: Set<string>;
}

export function createTickMemory(): TickMemory {
  return { lastReport: null, lastSuccessAt: null, lastTick: null, unstored: new Map(), looked: new Set() };
}
