/**
 * The metrics table of docs/CONTRIBUTING.md (which deploy/ is checked
 * against) is what the daemon of `forkwatch run` registers: the core's
 * registry, every extension's own metrics.ts and the reload gauges, built as
 * src/cli/run.ts builds them. Same names, types and label names, both ways.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAlertExtension } from '../../src/alert/extension.js';
import { createStatusPage } from '../../src/page/extension.js';
import { createAuditExtension } from '../../src/audit/daemon/extension.js';
import { createBundleExtension } from '../../src/bundle/extension.js';
import { createRemediationExtension } from '../../src/remediate/extension.js';
import { createReloader } from '../../src/daemon/reload.js';
import { silentLogger } from '../../src/util/logger.js';
import type { ScheduledJobs } from '../../src/extension/scheduled-jobs.js';
import { testConfig } from '../expose/fakes.js';
import { metricsDaemon } from '../helpers/extension-metrics.js';
import { readRepoFile } from '../deploy/support.js';

test("the CONTRIBUTING metrics table is the registry of forkwatch run's daemon: names, types, labels", async (t) => {
  const config = testConfig();
  const noClock = (): ScheduledJobs => assert.fail('not started: the wall clock is not needed');
  const { daemon } = await metricsDaemon(t, {
    config,
    extensions: [
      createAlertExtension(),
      createStatusPage(),
      createAuditExtension(config, noClock),
      createBundleExtension(),
      createRemediationExtension(),
    ],
  });
  createReloader({ file: undefined, started: config, daemon, logger: silentLogger(), metrics: daemon.context.metrics });
  const registered = new Map<string, { type: string; labels: string[] }>();
  for (const m of await daemon.context.metrics.registry.getMetricsAsJSON()) {
    if (!m.name.startsWith('forkwatch_')) continue;
    const metric = daemon.context.metrics.registry.getSingleMetric(m.name) as unknown as { labelNames: string[] };
    registered.set(m.name, { type: String(m.type), labels: [...metric.labelNames] });
  }
  const table = tableRows();
  assert.deepEqual([...registered.keys()].sort(), [...table.keys()].sort(), 'the same metric names');
  for (const [name, want] of table) assert.deepEqual(registered.get(name), want, name);
});

/** The table's rows: type is the first word of its column, labels are its names with the "(values)" notes dropped. */
function tableRows(): Map<string, { type: string; labels: string[] }> {
  const rows = new Map<string, { type: string; labels: string[] }>();
  for (const line of readRepoFile('docs/CONTRIBUTING.md').split('\n')) {
    const m = /^\|\s*(forkwatch_[a-z0-9_]+)\s*\|\s*([a-z]+)[^|]*\|([^|]*)\|/.exec(line);
    if (!m) continue;
    const labels = (m[3] ?? '')
      .replace(/\([^)]*\)/g, '')
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean);
    rows.set(m[1]!, { type: m[2]!, labels });
  }
  return rows;
}
