/**
 * Liveness tells the truth (issue 12): a tick that hangs, over the real daemon
 * loop (real scheduler, real store, real HTTP server), is abandoned at its
 * deadline with its stage named and its capture signalled; the schedule goes
 * on; /healthz turns 503 once no tick has completed for the liveness window,
 * /readyz names the stage; the systemd watchdog pings (the real
 * systemd-notify, to a real NOTIFY_SOCKET datagram listener) stop while ticks
 * do not complete and resume when they do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createMetrics } from '../../src/extension/metrics.js';
import { watchdogPingMs } from '../../src/daemon/systemd-notify.js';
import { livenessWindowMs, tickDeadlineMs } from '../../src/daemon/deadline.js';
import { waitFor } from '../helpers/wait.js';
import { child, report, testConfig } from '../expose/fakes.js';
import { DEADLINE_MS, INTERVAL_MS, startDaemon } from './liveness-daemon.js';

const WINDOW_MS = livenessWindowMs(INTERVAL_MS, DEADLINE_MS);

async function scanErrors(m: ReturnType<typeof createMetrics>, stage: string): Promise<number> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === 'forkwatch_scan_errors_total');
  return Number(metric?.values.find((v) => v.labels.stage === stage)?.value ?? NaN);
}

test('the tick deadline and liveness window derive from interval and capture timeout (documented constants)', () => {
  const config = testConfig({ interval: '15s', capture: { timeout: '10s' } });
  assert.equal(tickDeadlineMs(config), 35_000);
  assert.equal(livenessWindowMs(config.intervalMs, tickDeadlineMs(config)), 50_000);
  const slow = testConfig({
    interval: '2s',
    capture: { timeout: '20s' },
    threadDump: { enabled: true, timeout: '5s' },
  });
  assert.equal(
    tickDeadlineMs(slow),
    57_000,
    "a thread dump adds its timeout to one suspect's examination, as does the 1 s between its first samples",
  );
  assert.equal(livenessWindowMs(60_000, 125_000), 185_000, '3 intervals, never less than one deadline + one interval');
});

test('a capture that never settles: the tick is abandoned in stage capture, its signal aborted, ticks go on; /healthz 503 after the window, /readyz names capture', async (t) => {
  const d = await startDaemon(t);
  await waitFor('a first completed tick', async () => (await d.get('/readyz')).status === 200, 5000, 20);
  assert.deepEqual(await d.get('/healthz'), { status: 200, body: { status: 'ok' } });

  d.state.captureHangs = true;
  d.scanner.next = report([child(201)]);
  const callsAtHang = d.scanner.calls;
  const first = await waitFor(
    '/healthz 503',
    async () => {
      const r = await d.get('/healthz');
      return r.status === 503 ? r : null;
    },
    10_000,
    20,
  );
  assert.equal(first.body.status, 'failing');
  // On a loaded machine the window can run out before the late deadline timer has abandoned the tick: the
  // first 503 may say only "no tick has completed"; the stage is named once the tick is abandoned.
  const sick = await waitFor(
    '/healthz 503 naming capture',
    async () => {
      const r = await d.get('/healthz');
      return r.status === 503 && /abandoned at its deadline/.test(String(r.body.message)) ? r : null;
    },
    10_000,
    20,
  );
  assert.equal(sick.body.status, 'failing');
  assert.match(
    String(sick.body.message),
    new RegExp(
      `no tick has completed for [0-9.]+ m?s \\(limit ${WINDOW_MS} ms\\); the last tick was abandoned at its deadline in the capture stage`,
    ),
  );
  assert.ok(
    d.scanner.calls - callsAtHang >= 2,
    `the scheduler went on after abandoning a tick (${d.scanner.calls - callsAtHang} scans)`,
  );
  const signals = d.state.captureSignals.slice(0, -1); // the last may belong to the tick still running
  assert.ok(signals.length >= 1 && signals.every((s) => s.aborted), 'every abandoned tick aborted its hung capture');
  const last = d.daemon.context.daemon.snapshot().lastTick!;
  assert.equal(last.abandonedIn, 'capture');
  assert.equal(last.ok, false);
  assert.match(last.errors[0]!.message, /tick deadline \(300 ms\) passed during the capture stage/);

  const ready = await waitFor(
    '/readyz naming capture',
    async () => {
      const r = await d.get('/readyz');
      const n = /stage capture failing \((\d+) attempts in a row\): tick deadline/.exec(String(r.body.message));
      return r.status === 503 && n && Number(n[1]) >= 3 ? r : null;
    },
    5000,
    20,
  );
  assert.equal(ready.body.ready, false);
  assert.deepEqual(
    (ready.body.failingStages as { stage: string }[]).map((f) => f.stage),
    ['capture'],
  );
  assert.ok((await scanErrors(d.metrics, 'capture')) >= 3);

  // Recovery: the capture answers again; the child is confirmed, /healthz and /readyz come back.
  d.state.captureHangs = false;
  await waitFor('/healthz 200 again', async () => (await d.get('/healthz')).status === 200, 5000, 20);
  await waitFor('/readyz 200 again', async () => (await d.get('/readyz')).status === 200, 5000, 20);
  assert.equal(d.store.list({ state: 'confirmed' }).items.length, 1);
});

test('a scan that never settles: /healthz 503 naming the scan stage; /readyz names scan', async (t) => {
  const d = await startDaemon(t);
  await waitFor('a first completed tick', async () => (await d.get('/readyz')).status === 200, 5000, 20);
  d.state.scanHangs = true;
  const started = Date.now();
  await waitFor(
    '/healthz 503',
    async () => {
      const r = await d.get('/healthz');
      return r.status === 503 ? r : null;
    },
    10_000,
    20,
  );
  assert.ok(
    Date.now() - started >= WINDOW_MS - INTERVAL_MS,
    `503 only after the liveness window (${Date.now() - started} ms)`,
  );
  // The first 503 may come before the (late, on a loaded machine) deadline timer abandons the tick; then it names the stage.
  const sick = await waitFor(
    '/healthz 503 naming scan',
    async () => {
      const r = await d.get('/healthz');
      return r.status === 503 && /abandoned at its deadline/.test(String(r.body.message)) ? r : null;
    },
    10_000,
    20,
  );
  assert.match(String(sick.body.message), /abandoned at its deadline in the scan stage/);
  const ready = await d.get('/readyz');
  assert.equal(ready.status, 503);
  assert.match(String(ready.body.message), /no tick has completed|stage scan failing/);
  await waitFor(
    'readiness names the scan stage',
    async () => (d.daemon.context.daemon.snapshot().health.failingStages[0]?.consecutiveFailures ?? 0) >= 3,
    5000,
    20,
  );
  assert.equal(d.daemon.context.daemon.snapshot().health.failingStages[0]?.stage, 'scan');
});

test('systemd watchdog: pings only when WATCHDOG_USEC is set and WATCHDOG_PID (if any) is us; the unit sets WatchdogSec=', () => {
  assert.equal(watchdogPingMs({ NOTIFY_SOCKET: '/run/x' }, 42), null, 'no WATCHDOG_USEC: no watchdog');
  assert.equal(watchdogPingMs({ WATCHDOG_USEC: '60000000' }, 42), null, 'no NOTIFY_SOCKET: nowhere to ping');
  assert.equal(watchdogPingMs({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '60000000' }, 42), 30_000);
  assert.equal(watchdogPingMs({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '60000000', WATCHDOG_PID: '42' }, 42), 30_000);
  assert.equal(
    watchdogPingMs({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '60000000', WATCHDOG_PID: '43' }, 42),
    null,
    'meant for another process',
  );
  assert.equal(watchdogPingMs({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: 'soon' }, 42), null);
  const unit = readFileSync(new URL('../../deploy/systemd/forkwatch.service', import.meta.url), 'utf8');
  const m = /^WatchdogSec=(\d+)s$/m.exec(unit);
  assert.ok(m, 'deploy/systemd/forkwatch.service sets WatchdogSec=');
  assert.ok(Number(m[1]) >= 30, 'WatchdogSec= leaves room for a slow start');
});
