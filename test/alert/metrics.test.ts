/** src/alert/metrics.ts: the alert extension's metrics are on /metrics when the extension is, and only then. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAlertExtension } from '../../src/alert/extension.js';
import { family, metricsDaemon } from '../helpers/extension-metrics.js';

const FAMILIES = {
  forkwatch_notifications_total: { type: 'counter', help: 'Notification delivery attempts by sink and outcome.' },
  forkwatch_outbox_pending: { type: 'gauge', help: 'Notifications waiting in the outbox by sink.' },
  forkwatch_outbox_oldest_pending_age_seconds: {
    type: 'gauge',
    help: 'Age of the oldest pending notification by sink, 0 when none.',
  },
};

test('the alert extension registers its metrics when the daemon is built, with no sink configured', async (t) => {
  const { scrape } = await metricsDaemon(t, { extensions: [createAlertExtension()] });
  const text = await scrape();
  for (const [name, want] of Object.entries(FAMILIES)) {
    const f = family(text, name);
    assert.deepEqual({ type: f.type, help: f.help }, want, name);
    assert.deepEqual(f.series, [], `${name}: no sink, no series`);
  }
});

test('without the alert extension the core registers none of them', async (t) => {
  const { daemon, scrape } = await metricsDaemon(t, { extensions: [], sinks: ['slack'] });
  await daemon.runScan();
  const text = await scrape();
  for (const name of Object.keys(FAMILIES)) assert.equal(family(text, name).type, null, name);
});

test("after a tick the outbox gauges show each configured sink: the new incident's notification pending for each", async (t) => {
  const { daemon, scrape } = await metricsDaemon(t, {
    extensions: [createAlertExtension()],
    sinks: ['slack', 'alertmanager'],
  });
  const summary = await daemon.runScan();
  assert.deepEqual(
    summary.transitions.map((x) => x.to),
    ['suspect', 'confirmed'],
  );
  const text = await scrape();
  // The sender is not started (no daemon.start): what is pending is what the tick left in the outbox.
  assert.deepEqual(family(text, 'forkwatch_outbox_pending').series, [
    'forkwatch_outbox_pending{sink="slack"} 1',
    'forkwatch_outbox_pending{sink="alertmanager"} 1',
  ]);
  const age = family(text, 'forkwatch_outbox_oldest_pending_age_seconds').series;
  assert.equal(age.length, 2);
  for (const line of age)
    assert.match(line, /^forkwatch_outbox_oldest_pending_age_seconds\{sink="(slack|alertmanager)"\} [0-9.e-]+$/);
});

test('the outbox stats failing after a tick: counted as an alert stage failure, as when the tick updated the gauges', async (t) => {
  const { daemon, store, scrape } = await metricsDaemon(t, { extensions: [createAlertExtension()], sinks: ['slack'] });
  store.outboxStats = () => {
    throw new Error('database disk image is malformed');
  };
  await daemon.runScan();
  assert.deepEqual(
    family(await scrape(), 'forkwatch_scan_errors_total').series.filter((l) => l.includes('"alert"')),
    ['forkwatch_scan_errors_total{stage="alert"} 1'],
  );
});
