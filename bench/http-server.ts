/**
 * The server side of bench/http.ts, in its own process so autocannon does not
 * share its event loop. Usage: npx tsx bench/http-server.ts MODE INCIDENTS
 *   MODE: cheap | none | all   (prom-client default metrics: see src/extension/metrics.ts)
 *         raw                  (the same registry, 'cheap', behind bare node:http: the floor)
 * A real SQLite store seeded with INCIDENTS incidents and a stub scanner whose
 * report has 50 children, scanned once, so /metrics carries real label sets.
 * Prints "port N" when listening; stops on SIGTERM.
 */
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDaemon } from '../src/daemon/index.js';
import { createMetrics, type DefaultMetricsMode } from '../src/extension/metrics.js';
import { openStore } from '../src/record/index.js';
import { resolveConfig } from '../src/config/load.js';
import { silentLogger } from '../src/util/logger.js';
import { child, fakeEvidence, fakeMatcher, fakeScanner, report, DEADLOCK_FRAMES } from '../test/expose/fakes.js';

const [mode = 'cheap', count = '200'] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'forkwatch-bench-http-'));
const store = openStore({ stateDir: dir, host: 'bench', sinks: ['slack'] });
store.observeSuspects(
  Date.now(),
  Array.from({ length: Number(count) }, (_, i) => ({
    targetName: 'seeded',
    targetPid: 7,
    targetStartMs: 1_700_000_000_000,
    targetUser: 'jenkins',
    childPid: 10_000 + i,
    childStartMs: 1_700_000_100_000 + i,
  })),
);
const children = Array.from({ length: 50 }, (_, i) => child(300 + i, i < 40 ? 'execed' : 'never-execed', i >= 45));
const metrics = createMetrics({ defaultMetrics: mode === 'raw' ? 'cheap' : (mode as DefaultMetricsMode) });
const daemon = createDaemon({
  config: resolveConfig({ targets: [{ name: 'jenkins', cmdline: 'x' }], listen: { port: 0 } }),
  logger: silentLogger(),
  store,
  stages: {
    scanner: fakeScanner(report(children)),
    evidence: fakeEvidence(new Map([[345, DEADLOCK_FRAMES]])),
    matcher: fakeMatcher(),
  },
  metrics,
});

let port: number;
if (mode === 'raw') {
  await daemon.runScan();
  const server = createServer((req, res) => {
    void metrics.registry.metrics().then((body) => {
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
} else {
  port = (await daemon.start({ schedule: false }))!.port;
  await daemon.runScan();
  process.once('SIGTERM', () => void daemon.stop().then(() => process.exit(0)));
}
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
process.stdout.write(`port ${port}\n`);
