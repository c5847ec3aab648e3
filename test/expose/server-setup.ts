/** Shared by test/expose/server.test.ts and test/live/expose/server.test.ts. */
import { createDaemon, type DaemonExtension } from '../../src/daemon/index.js';
import { createMetrics } from '../../src/extension/metrics.js';
import { silentLogger } from '../../src/util/logger.js';
import {
  DEADLOCK_FRAMES,
  child,
  fakeEvidence,
  fakeMatcher,
  fakeScanner,
  report,
  tempStore,
  testConfig,
} from './fakes.js';

export const TOKEN = 'test-token-0123456789abcdef';

export async function setup(
  t: import('node:test').TestContext,
  opts: { token?: string | null; extensions?: DaemonExtension[]; rateMax?: number } = {},
) {
  const s = tempStore(['slack']);
  const scanner = fakeScanner(report([child(201), child(202, 'execed', false), child(203, 'zombie', false)]));
  const config = testConfig(opts.token === null ? {} : { auth: { token: opts.token ?? TOKEN } });
  const daemon = createDaemon({
    config,
    logger: silentLogger(),
    store: s.store,
    stages: { scanner, evidence: fakeEvidence(new Map([[201, DEADLOCK_FRAMES]])), matcher: fakeMatcher() },
    metrics: createMetrics(),
    extensions: opts.extensions ?? [],
    postRateLimit: { max: opts.rateMax ?? 1000, timeWindow: 60_000 },
  });
  const app = await daemon.buildApp();
  await app.ready();
  t.after(async () => {
    await daemon.stop();
    s.cleanup();
  });
  return { app, daemon, store: s.store, scanner };
}
