/**
 * The daemon's wall clock (src/daemon/wall-clock.ts) under a fake clock:
 * retention once at start and then at retention.schedule, the audit slot
 * empty until the audit wiring fills it, the digest only with a schedule.
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { resolveConfig } from '../../src/config/load.js';
import { createWallClock } from '../../src/daemon/wall-clock.js';
import type { IncidentStore } from '../../src/record/types.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};
async function advance(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1000) {
    mock.timers.tick(1000);
    await settle();
  }
}

test('retention at start and at its time, the audit slot filled after start, in the configured zone', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.parse('2026-01-15T02:16:58Z') });
  t.after(() => mock.timers.reset());
  const prunes: string[] = [];
  const store = {
    pruneResolved: (now: number) => (prunes.push(new Date(now).toISOString()), 0),
  } as unknown as IncidentStore;
  const config = resolveConfig({ timezone: 'Europe/Paris', audit: { schedule: '*/2 * * * * *' } });
  const wall = createWallClock({ config, store, logger: pino({ level: 'silent' }) });
  t.after(() => wall.stop());
  assert.deepEqual(
    wall.clock.describe().map((j) => j.name),
    ['audit'],
    'a digest job without alerts.slack.digest',
  );
  wall.start();
  wall.start();
  assert.deepEqual(prunes, ['2026-01-15T02:16:58.000Z'], 'retention at start, once');
  await advance(4000); // the audit slot fires, empty: nothing to see, nothing fails
  assert.equal(wall.clock.counts('audit')?.failures, 0);
  const audits: string[] = [];
  wall.setAuditJob((at) => void audits.push(at.toISOString()));
  await advance(4000);
  assert.deepEqual(audits, ['2026-01-15T02:17:04.000Z', '2026-01-15T02:17:06.000Z']);
  assert.deepEqual(
    prunes,
    ['2026-01-15T02:16:58.000Z', '2026-01-15T02:17:00.000Z'],
    'retention: 03:17 Paris is 02:17Z in winter',
  );
});

test('the digest job exists only with a schedule and a webhook', () => {
  const store = { pruneResolved: () => 0 } as unknown as IncidentStore;
  const config = resolveConfig({ alerts: { slack: { webhookUrl: 'http://127.0.0.1:9/hook', digest: '0 9 * * 1-5' } } });
  const wall = createWallClock({ config, store, logger: pino({ level: 'silent' }) });
  assert.deepEqual(
    wall.clock.describe().map((j) => j.name),
    ['audit', 'digest'],
  );
});
