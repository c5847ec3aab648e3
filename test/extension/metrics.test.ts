/**
 * src/extension/metrics.ts: the core registry. forkwatch_proc_reads_total
 * shows src/proc's read counts by outcome (every outcome from the start), and
 * the core declares none of the extensions' metrics: each extension registers
 * its own (test/alert/metrics.test.ts and the others).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterOn, createMetrics, gaugeOn } from '../../src/extension/metrics.js';
import { procReader } from '../../src/proc/read.js';
import { family } from '../helpers/extension-metrics.js';

const NAME = 'forkwatch_proc_reads_total';

async function reads(registry: import('prom-client').Registry): Promise<Record<string, number>> {
  const lines = family(await registry.metrics(), NAME).series;
  return Object.fromEntries(
    lines.map((l) => {
      const m = /^forkwatch_proc_reads_total\{outcome="([a-z]+)"\} (\d+)$/.exec(l);
      assert.ok(m, l);
      return [m[1], Number(m[2])];
    }),
  );
}

test('forkwatch_proc_reads_total: a counter with every outcome, counting real /proc reads as they happen', async () => {
  const { registry } = createMetrics({ defaultMetrics: 'none' });
  const text = await registry.metrics();
  assert.deepEqual(
    { help: family(text, NAME).help, type: family(text, NAME).type },
    {
      help: 'Reads of /proc files (procRoot) by outcome: ok, gone (the process exited), denied (no permission), error.',
      type: 'counter',
    },
  );
  const before = await reads(registry);
  assert.deepEqual(Object.keys(before), ['ok', 'gone', 'denied', 'error']);
  assert.equal(typeof procReader.readInto('/proc/self/stat'), 'number');
  const gone = procReader.readInto('/proc/2147483647/stat');
  assert.equal(typeof gone === 'object' && gone.failed, 'gone');
  const after = await reads(registry);
  assert.ok(after.ok! >= before.ok! + 1, `ok ${before.ok} -> ${after.ok}`);
  assert.ok(after.gone! >= before.gone! + 1, `gone ${before.gone} -> ${after.gone}`);
});

test('the core registry holds no extension metric', async () => {
  const { registry } = createMetrics({ defaultMetrics: 'none' });
  const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
  for (const name of [
    'forkwatch_notifications_total',
    'forkwatch_outbox_pending',
    'forkwatch_outbox_oldest_pending_age_seconds',
    'forkwatch_remediations_total',
    'forkwatch_hung_children_by_forking_thread',
    'forkwatch_target_fork_risk_level',
  ])
    assert.ok(!names.includes(name), name);
});

test('counterOn and gaugeOn register once per registry and hand back the same metric when asked again', () => {
  const { registry } = createMetrics({ defaultMetrics: 'none' });
  const c = counterOn(registry, { name: 'x_total', help: 'x', labelNames: ['a'] });
  assert.equal(counterOn(registry, { name: 'x_total', help: 'x', labelNames: ['a'] }), c);
  const g = gaugeOn(registry, { name: 'y', help: 'y' });
  assert.equal(gaugeOn(registry, { name: 'y', help: 'y' }), g);
  assert.equal(registry.getSingleMetric('x_total'), c);
});
