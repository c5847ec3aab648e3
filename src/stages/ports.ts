/**
 * What the daemon needs from the scan and match stages, as small interfaces
 * (capture's Capturer and record's IncidentStore are used as they are).
 * src/stages/build.ts builds the real ones; tests pass fakes. Only the
 * daemon knows all the stages.
 */
import type { ScanReport } from '../classify/types.js';
import type { MatchPort } from '../match/port.js';
import type { Capturer, CaptureSuspectOptions, Suspect, SuspectEvidence } from '../capture/capturer.js';

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

/** The stages the daemon runs each tick (src/stages/build.ts builds the real ones). */
export interface DaemonStages {
  scanner: ScannerPort;
  evidence: EvidencePort | null;
  matcher: MatchPort | null;
}
