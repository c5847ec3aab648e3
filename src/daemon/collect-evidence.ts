/** The tick's capture step: per suspect, its kernel sample and (first time) its stack, counted and logged. */
import type { ChildReport, ScanReport } from '../classify/types.js';
import { SAMPLE_GAP_MS, suspectOf, type SuspectEvidence } from '../capture/capturer.js';
import { overdueSuspects } from '../classify/suspects.js';
import { childKey } from '../record/key.js';
import type { StageRunner } from './stage-runner.js';
import type { TickDeps } from './tick-deps.js';
import { countCaptures } from './tick-metrics.js';

/** Overdue never-exec'd children not yet confirmed, oldest first, bounded. */
export function selectSuspects(report: ScanReport, confirmed: Set<string>, host: string): ChildReport[] {
  return overdueSuspects(report, (c) => confirmed.has(childKey(host, c)));
}

/**
 * Kernel sample + (first time) stack capture per suspect; the capturer bounds
 * ptrace concurrency. A suspect met for the first time is sampled twice,
 * SAMPLE_GAP_MS apart, before its capture, and not traced when those samples
 * show it moving (as `forkwatch scan` does): the suspect list comes from one
 * read of /proc, where a busy child caught between the runqueue and sleep
 * looks blocked.
 */
export async function collectEvidence(
  deps: TickDeps,
  suspects: ChildReport[],
  stages: StageRunner,
): Promise<Map<string, SuspectEvidence>> {
  const out = new Map<string, SuspectEvidence>();
  const capturer = deps.evidence;
  if (!capturer) return out;
  await stages.run('capture', () => capturer.retain(suspects.map((s) => s.child)));
  const opts = { skipIfProgressed: true, firstGapMs: SAMPLE_GAP_MS, ...(deps.signal ? { signal: deps.signal } : {}) };
  const results = await Promise.all(
    suspects.map((s) => stages.run('capture', () => capturer.captureSuspect(suspectOf(s.child), opts))),
  );
  suspects.forEach((s, i) => {
    const ev = results[i];
    if (!ev || ev.gone) return;
    out.set(childKey(deps.store.host, s), ev);
    if (ev.freshCapture && ev.capture) {
      countCaptures(deps.metrics, [ev.capture]);
      if (!ev.capture.ok)
        deps.logger.warn(
          {
            target: s.target.name,
            childPid: s.child.pid,
            childStartTime: new Date(s.child.startTimeMs).toISOString(),
            backend: ev.capture.backend,
            reason: ev.capture.reason,
          },
          'stack capture failed',
        );
    }
  });
  return out;
}

/**
 * The suspects still suspect after their samples: one whose samples show it
 * using CPU (at least 5% of the gap) is doing its own work (the next scan's comparison
 * would call it progressing), so it opens no incident.
 */
export function stillSuspect(
  suspects: ChildReport[],
  evidence: ReadonlyMap<string, SuspectEvidence>,
  host: string,
): ChildReport[] {
  return suspects.filter((s) => !evidence.get(childKey(host, s))?.progressed);
}
