/** Shared by test/security/liveness.test.ts and test/live/security/liveness.test.ts. */
import assert from 'node:assert/strict';
import { createDaemon, type DaemonExtension } from '../../src/daemon/index.js';
import { createMetrics } from '../../src/extension/metrics.js';
import { silentLogger } from '../../src/util/logger.js';
import type { EvidencePort, ScannerPort } from '../../src/stages/ports.js';
import type { Suspect, SuspectEvidence } from '../../src/capture/capturer.js';
import type { ScanReport } from '../../src/classify/types.js';
import {
  DEADLOCK_FRAMES,
  fakeEvidence,
  fakeMatcher,
  fakeScanner,
  report,
  tempStore,
  testConfig,
} from '../expose/fakes.js';

export const INTERVAL_MS = 150;

export const DEADLINE_MS = 300;

/** A scanner and an evidence port that answer normally, or hang (never settle) when told to. */
export function hangable(initial: ScanReport) {
  const scanner = fakeScanner(initial);
  const evidence = fakeEvidence(new Map([[201, DEADLOCK_FRAMES]]));
  const state = { scanHangs: false, captureHangs: false, captureSignals: [] as AbortSignal[] };
  const hangingScanner: ScannerPort = {
    scan: () => (state.scanHangs ? (scanner.calls++, new Promise<ScanReport>(() => {})) : scanner.scan()),
  };
  const hangingEvidence: EvidencePort = {
    retain: () => {},
    captureSuspect(s: Suspect, opts?: { signal?: AbortSignal }): Promise<SuspectEvidence> {
      if (!state.captureHangs) return evidence.captureSuspect(s);
      assert.ok(opts?.signal, 'the tick passes its deadline signal to the capture');
      state.captureSignals.push(opts.signal);
      return new Promise(() => {});
    },
  };
  return { scanner, hangingScanner, hangingEvidence, state };
}

export async function startDaemon(t: { after(fn: () => unknown): void }, extensions: DaemonExtension[] = []) {
  const s = tempStore();
  t.after(s.cleanup);
  const h = hangable(report([]));
  const metrics = createMetrics({ defaultMetrics: 'none' });
  const config = testConfig({ interval: `${INTERVAL_MS}ms`, listen: { port: 0 } });
  const daemon = createDaemon({
    config,
    logger: silentLogger(),
    store: s.store,
    metrics,
    stages: { scanner: h.hangingScanner, evidence: h.hangingEvidence, matcher: fakeMatcher() },
    extensions,
    tickDeadlineMs: DEADLINE_MS,
    stopWaitMs: 100,
  });
  const address = await daemon.start();
  t.after(() => daemon.stop());
  const url = `http://127.0.0.1:${address!.port}`;
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { ...h, daemon, metrics, get, store: s.store };
}
