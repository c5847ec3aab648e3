/**
 * For the tests of each extension's metrics.ts: a daemon over the fakes of
 * test/expose/fakes.ts (one overdue child with a deadlock stack, a real
 * SQLite store) with the given extensions, and GET /metrics read back as
 * families (HELP, TYPE, series), the way Prometheus sees them.
 */
import { createDaemon, type DaemonExtension } from '../../src/daemon/index.js';
import { createMetrics } from '../../src/extension/metrics.js';
import { silentLogger } from '../../src/util/logger.js';
import type { Config } from '../../src/config/config.js';
import {
  DEADLOCK_FRAMES,
  child,
  fakeEvidence,
  fakeMatcher,
  fakeScanner,
  report,
  tempStore,
  testConfig,
} from '../expose/fakes.js';

export interface Family {
  help: string | null;
  type: string | null;
  /** The sample lines of the family's own name (a histogram's _bucket/_sum/_count not included). */
  series: string[];
}

/** One family of a Prometheus text exposition. */
export function family(text: string, name: string): Family {
  const f: Family = { help: null, type: null, series: [] };
  for (const line of text.split('\n')) {
    if (line.startsWith(`# HELP ${name} `)) f.help = line.slice(`# HELP ${name} `.length);
    else if (line.startsWith(`# TYPE ${name} `)) f.type = line.slice(`# TYPE ${name} `.length);
    else if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) f.series.push(line);
  }
  return f;
}

export async function metricsDaemon(
  t: import('node:test').TestContext,
  opts: { extensions: DaemonExtension[]; sinks?: string[]; config?: Config },
) {
  const s = tempStore(opts.sinks ?? []);
  const daemon = createDaemon({
    config: opts.config ?? testConfig(),
    logger: silentLogger(),
    store: s.store,
    stages: {
      scanner: fakeScanner(report([child(201)])),
      evidence: fakeEvidence(new Map([[201, DEADLOCK_FRAMES]])),
      matcher: fakeMatcher(),
    },
    metrics: createMetrics({ defaultMetrics: 'none' }),
    extensions: opts.extensions,
  });
  const app = await daemon.buildApp();
  t.after(async () => {
    await daemon.stop();
    s.cleanup();
  });
  const scrape = async (): Promise<string> => (await app.inject('/metrics')).body;
  return { daemon, store: s.store, scrape };
}
