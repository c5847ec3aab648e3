/** src/bundle/metrics.ts: forkwatch_hung_children_by_forking_thread is on /metrics when the bundle extension is. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBundleExtension } from '../../src/bundle/extension.js';
import { family, metricsDaemon } from '../helpers/extension-metrics.js';

const NAME = 'forkwatch_hung_children_by_forking_thread';
const HELP =
  'Confirmed hung children by the JVM thread that forked them: scm_polling (a Jenkins SCM poller), other, unidentified. The API names the thread and job.';

test('the bundle extension registers its gauge when the daemon is built, with no series', async (t) => {
  const { scrape } = await metricsDaemon(t, { extensions: [createBundleExtension()] });
  assert.deepEqual(family(await scrape(), NAME), { help: HELP, type: 'gauge', series: [] });
});

test('after a tick that confirms a hung child, the gauge counts it by the kind of its forking thread', async (t) => {
  // The fakes' forking thread is "SCM polling f": not the 15 bytes "SCM polling for" of a poller's comm, so other.
  const { daemon, scrape } = await metricsDaemon(t, { extensions: [createBundleExtension()] });
  await daemon.runScan();
  assert.deepEqual(family(await scrape(), NAME).series, [`${NAME}{target="jenkins",forking_thread="other"} 1`]);
});

test('without the bundle extension the core does not register it', async (t) => {
  const { daemon, scrape } = await metricsDaemon(t, { extensions: [] });
  await daemon.runScan();
  assert.equal(family(await scrape(), NAME).type, null);
});
