/** src/audit/daemon/metrics.ts: the fork-risk metrics are on /metrics as soon as the daemon with the audit is built. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuditExtension } from '../../../src/audit/daemon/extension.js';
import type { ScheduledJobs } from '../../../src/extension/scheduled-jobs.js';
import { testConfig } from '../../expose/fakes.js';
import { family, metricsDaemon } from '../../helpers/extension-metrics.js';

const FAMILIES = {
  forkwatch_target_fork_risk: {
    type: 'gauge',
    help: 'Fork-risk audit: one series per reason found (reason = rule id); 1 low, 2 high.',
  },
  forkwatch_target_fork_risk_level: {
    type: 'gauge',
    help: 'Fork-risk audit of the target: 0 none, 1 low, 2 high; no series when it cannot tell.',
  },
  forkwatch_target_audits_total: {
    type: 'counter',
    help: 'Fork-risk audits run, by outcome (ok, cannot_tell, failed).',
  },
};

/** Never started here: the wall clock is not asked for. */
const noClock = (): ScheduledJobs => assert.fail('the wall clock is not needed before start');

test('the audit extension registers its metrics when the daemon is built, before start, with no series', async (t) => {
  const config = testConfig();
  const { scrape } = await metricsDaemon(t, { extensions: [createAuditExtension(config, noClock)], config });
  const text = await scrape();
  for (const [name, want] of Object.entries(FAMILIES))
    assert.deepEqual(family(text, name), { ...want, series: [] }, name);
});

test('without the audit extension the core registers none of them', async (t) => {
  const text = await (await metricsDaemon(t, { extensions: [] })).scrape();
  for (const name of Object.keys(FAMILIES)) assert.equal(family(text, name).type, null, name);
});
