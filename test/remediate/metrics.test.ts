/** src/remediate/metrics.ts: forkwatch_remediations_total is on /metrics when the extension is, whatever the mode. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemediationExtension } from '../../src/remediate/extension.js';
import { testConfig } from '../expose/fakes.js';
import { family, metricsDaemon } from '../helpers/extension-metrics.js';

const NAME = 'forkwatch_remediations_total';
const HELP = 'Remediation decisions and actions by mode and outcome.';
const remediation = () => createRemediationExtension({ signal: () => {}, clockTicks: 100 });

test('remediation off: the counter is registered when the daemon is built, with no series', async (t) => {
  const { daemon, scrape } = await metricsDaemon(t, { extensions: [remediation()] });
  assert.deepEqual(family(await scrape(), NAME), { help: HELP, type: 'counter', series: [] });
  await daemon.start({ listen: false, schedule: false });
  assert.deepEqual(family(await scrape(), NAME).series, []);
});

test('remediation dry-run: every outcome at 0 from the start, under mode dry_run', async (t) => {
  const config = testConfig({ remediation: { mode: 'dry-run' } });
  const { daemon, scrape } = await metricsDaemon(t, { extensions: [remediation()], config });
  await daemon.start({ listen: false, schedule: false });
  assert.deepEqual(family(await scrape(), NAME), {
    help: HELP,
    type: 'counter',
    series: ['killed', 'skipped', 'refused', 'failed'].map((o) => `${NAME}{mode="dry_run",outcome="${o}"} 0`),
  });
});

test('without the remediation extension the core does not register it', async (t) => {
  const { scrape } = await metricsDaemon(t, { extensions: [] });
  assert.equal(family(await scrape(), NAME).type, null);
});
