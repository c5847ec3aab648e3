/**
 * The wall-clock jobs under a fake clock: node:test's mock timers replace
 * setTimeout and Date, which is all node-cron 4 reads time with (its Runner
 * arms a setTimeout to the next match computed from `new Date()`), so these
 * are node-cron's own scheduling decisions, not a re-implementation.
 */
import { test, mock, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { getTasks } from 'node-cron';
import { createClock, type Clock } from '../../src/schedule/clock.js';

function capture(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => void raw.push(l) });
  return { logger, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Let node-cron's async heartbeat and the job's promise settle (setImmediate is not mocked). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

async function advance(ms: number, stepMs = 1000): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    mock.timers.tick(Math.min(stepMs, ms - t));
    await settle();
  }
}

function fakeTime(t: TestContext, iso: string): void {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.parse(iso) });
  t.after(() => mock.timers.reset());
}

function clockFor(t: TestContext, timezone: string, logger = capture().logger): Clock {
  const clock = createClock({ timezone, logger });
  t.after(() => clock.stop(0));
  return clock;
}

test('a job fires at its time, not before, and again at the next', async (t) => {
  fakeTime(t, '2026-06-01T03:16:58.250Z');
  const fired: string[] = [];
  const clock = clockFor(t, 'UTC');
  clock.add({ name: 'retention', schedule: '17 3 * * *', run: (at) => void fired.push(at.toISOString()) });
  clock.start();
  await advance(1000);
  assert.deepEqual(fired, [], 'fired a second early');
  await advance(2000);
  assert.deepEqual(fired, ['2026-06-01T03:17:00.000Z']);
  await advance(86_400_000 - 3000, 3_600_000);
  assert.deepEqual(fired, ['2026-06-01T03:17:00.000Z'], 'fired twice the same day');
  await advance(4000);
  assert.deepEqual(fired, ['2026-06-01T03:17:00.000Z', '2026-06-02T03:17:00.000Z']);
});

test('the timezone is honoured: 09:00 Europe/Paris is 08:00Z in winter, 07:00Z in summer', async (t) => {
  fakeTime(t, '2026-01-15T07:59:59Z');
  const fired: string[] = [];
  const clock = clockFor(t, 'Europe/Paris');
  clock.add({ name: 'digest', schedule: '0 9 * * *', run: (at) => void fired.push(at.toISOString()) });
  clock.start();
  await advance(2000);
  assert.deepEqual(fired, ['2026-01-15T08:00:00.000Z']);
  await advance(3_600_000, 60_000);
  assert.deepEqual(fired, ['2026-01-15T08:00:00.000Z'], 'also fired at 09:00Z (the zone ignored)');
  await clock.stop(0);
  mock.timers.reset();

  fakeTime(t, '2026-07-15T06:59:59Z');
  const summer: string[] = [];
  const c2 = clockFor(t, 'Europe/Paris');
  c2.add({ name: 'digest', schedule: '0 9 * * *', run: (at) => void summer.push(at.toISOString()) });
  c2.start();
  await advance(2000);
  assert.deepEqual(summer, ['2026-07-15T07:00:00.000Z']);
});

test('a throwing job is logged with its name and keeps its schedule', async (t) => {
  fakeTime(t, '2026-03-01T12:00:00.100Z');
  const log = capture();
  const clock = clockFor(t, 'UTC', log.logger);
  let calls = 0;
  clock.add({
    name: 'audit',
    schedule: '* * * * * *',
    run: () => {
      calls++;
      throw new Error('boom from the job');
    },
  });
  clock.add({ name: 'async-audit', schedule: '* * * * * *', run: async () => Promise.reject(new Error('async boom')) });
  clock.start();
  await advance(3000);
  assert.equal(calls, 3, 'the schedule stopped after a throw');
  assert.deepEqual(clock.counts('audit'), { runs: 3, failures: 3, skipped: 0 });
  assert.deepEqual(clock.counts('async-audit'), { runs: 3, failures: 3, skipped: 0 });
  const errors = log.lines().filter((l) => l.level === 50);
  assert.ok(
    errors.some((l) => l.job === 'audit' && JSON.stringify(l.err).includes('boom from the job')),
    JSON.stringify(errors[0]),
  );
  assert.ok(errors.some((l) => l.job === 'async-audit' && JSON.stringify(l.err).includes('async boom')));
});

test('start twice schedules once; stop removes every task from node-cron and nothing fires after', async (t) => {
  fakeTime(t, '2026-03-01T12:00:00.100Z');
  const before = getTasks().size;
  const clock = clockFor(t, 'UTC');
  let calls = 0;
  clock.add({ name: 'retention', schedule: '* * * * * *', run: () => void calls++ });
  clock.start();
  clock.start();
  assert.equal(getTasks().size, before + 1, 'two node-cron tasks for one job');
  await advance(3000);
  assert.equal(calls, 3, 'a job scheduled twice runs twice a second');
  await clock.stop(0);
  assert.equal(getTasks().size, before, "the task stayed in node-cron's registry");
  await advance(3000);
  assert.equal(calls, 3, 'fired after stop');
  assert.throws(() => clock.add({ name: 'retention', schedule: '* * * * *', run: () => undefined }), /already added/);
});

test('a job still running when it comes due again is skipped and counted, not run twice at once', async (t) => {
  fakeTime(t, '2026-03-01T12:00:00.100Z');
  const log = capture();
  const clock = clockFor(t, 'UTC', log.logger);
  let release!: () => void;
  let concurrent = 0;
  let maxConcurrent = 0;
  clock.add({
    name: 'audit',
    schedule: '* * * * * *',
    run: () =>
      new Promise<void>((r) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        release = () => {
          concurrent--;
          r();
        };
      }),
  });
  clock.start();
  await advance(3000);
  assert.deepEqual(clock.counts('audit'), { runs: 1, failures: 0, skipped: 2 });
  assert.equal(maxConcurrent, 1);
  assert.ok(log.lines().some((l) => l.job === 'audit' && /skipped/.test(String(l.msg))));
  release();
  await settle();
  await advance(1000);
  assert.deepEqual(
    clock.counts('audit'),
    { runs: 2, failures: 0, skipped: 2 },
    'did not run again once the first had finished',
  );
  release();
});
