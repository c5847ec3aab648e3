/**
 * What the daemon needs from the scan and match stages, as small interfaces
 * (capture's Capturer and record's IncidentStore are used as they are).
 * src/daemon/stages.ts builds the real ones; tests pass fakes. Only the
 * daemon knows all the stages.
 */
import type { ScanReport } from '../classify/types.js';
import type { ParsedStack, Thread } from '../capture/types.js';
import type { Capturer, CaptureSuspectOptions, Suspect, SuspectEvidence } from '../capture/capturer.js';
import type { MatchOptions, MatchResult, Signature } from '../match/types.js';
import type { IncidentState, IncidentSummary } from '../record/types.js';

export interface ScannerPort {
  /** One scan of every target and its descendants, classified. May throw: the daemon counts it. */
  scan(): Promise<ScanReport>;
}

/**
 * Kernel evidence, the provably-blocked verdict and the stack capture, per
 * suspect (src/capture/capturer.ts). `signal` fires at the tick's deadline:
 * a capturer that takes it kills its tracers then (one that ignores it is
 * left behind by the tick, which moves on without it).
 */
export interface EvidencePort {
  captureSuspect(suspect: Suspect, opts?: CaptureSuspectOptions): Promise<SuspectEvidence>;
  retain: Capturer['retain'];
}

export interface MatchPort {
  signatures(): Signature[];
  match(threads: Thread[], options?: MatchOptions): MatchResult;
  parse(text: string): ParsedStack;
}

/** A change the store made; the daemon logs and counts it, and hands it to the sinks. */
export interface Transition {
  incident: IncidentSummary;
  from: IncidentState | null;
  to: IncidentState;
}
