/**
 * src/daemon/reload-plan.ts (what a reload may change live, per key), the
 * tick chain's setIntervalMs (one timer, re-timed) and systemd's
 * RELOADING=1/READY=1 around a reload. The real daemon reloading by SIGHUP:
 * test/live/daemon/reload.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/load.js';
import { planReload } from '../../src/daemon/reload-plan.js';
import { createReloader } from '../../src/daemon/reload.js';
import { loadMatcher } from '../../src/stages/build.js';
import { createMetrics } from '../../src/extension/metrics.js';
import { silentLogger } from '../../src/util/logger.js';
import type { Daemon } from '../../src/daemon/index.js';
import { createTickScheduler } from '../../src/daemon/scheduler.js';
import { createSystemdNotify } from '../../src/daemon/systemd-notify.js';
import type { ExtensionContext } from '../../src/extension/context.js';
import type { TickSummary } from '../../src/extension/daemon-view.js';

const BASE = {
  targets: [{ name: 'jenkins', pid: 1 }],
  stateDir: '/var/lib/forkwatch',
  listen: { host: '127.0.0.1', port: 9710 },
};
const cfg = (extra: Record<string, unknown> = {}) => resolveConfig({ ...BASE, ...extra }, 'test', {});

test('planReload: live keys are taken, restart-only keys keep their running value and are reported by their file key', () => {
  const started = cfg();
  const running = { ...started };
  const next = cfg({
    hungAfter: '5m',
    interval: '30s',
    listen: { host: '0.0.0.0', port: 9711 },
    stateDir: '/srv/fw',
    capture: { timeout: '20s', enabled: false },
  });
  const plan = planReload(started, running, next);
  assert.deepEqual(plan.restartNeeded.map((r) => r.key).sort(), ['capture.timeout', 'listen', 'stateDir']);
  assert.deepEqual(
    plan.restartNeeded.find((r) => r.key === 'listen'),
    {
      key: 'listen',
      running: { host: '127.0.0.1', port: 9710 },
      requested: { host: '0.0.0.0', port: 9711 },
      why: 'the server is bound once',
    },
  );
  assert.equal(plan.config.hungAfterMs, 300_000);
  assert.equal(plan.config.intervalMs, 30_000);
  assert.deepEqual(plan.config.listen, running.listen);
  assert.equal(plan.config.stateDir, '/var/lib/forkwatch');
  assert.equal(plan.config.capture.timeoutMs, running.capture.timeoutMs, 'capture.timeout kept');
  assert.equal(plan.config.capture.enabled, false, 'capture.enabled is live');
  assert.deepEqual(plan.changed.sort(), ['capture', 'hungAfterMs', 'intervalMs']);
});

test('planReload: the same file again changes nothing and needs no restart', () => {
  const started = cfg({
    targets: [{ name: 'jenkins', cmdline: 'jenkins\\.war' }],
    redact: { patterns: ['token=\\S+'] },
  });
  const plan = planReload(
    started,
    { ...started },
    cfg({ targets: [{ name: 'jenkins', cmdline: 'jenkins\\.war' }], redact: { patterns: ['token=\\S+'] } }),
  );
  assert.deepEqual(plan.restartNeeded, []);
  assert.deepEqual(plan.changed, []);
});

test('planReload: a changed regex counts as a change (compared by source)', () => {
  const started = cfg({ targets: [{ name: 'jenkins', cmdline: 'jenkins\\.war' }] });
  const plan = planReload(started, { ...started }, cfg({ targets: [{ name: 'jenkins', cmdline: 'agent\\.jar' }] }));
  assert.deepEqual(plan.changed, ['targets']);
  assert.equal(plan.config.targets[0]?.cmdline?.source.includes('agent'), true);
});

test('planReload: a new auth token is restart-only and never shown', () => {
  const started = cfg({ auth: { token: 'old-token-0123456789abcdef' } });
  const plan = planReload(started, { ...started }, cfg({ auth: { token: 'new-token-0123456789abcdef' } }));
  assert.deepEqual(
    plan.restartNeeded.map((r) => [r.key, r.running, r.requested]),
    [['auth', '<token>', '<token>']],
  );
  assert.equal(plan.config.authToken, 'old-token-0123456789abcdef');
  assert.ok(!JSON.stringify(plan.restartNeeded).includes('token-0123'));
});

test('planReload: a new webhook URL is live while the sinks stay the same; adding a sink is restart-only and keeps every alert setting', () => {
  const slack = (url: string) => ({ alerts: { slack: { webhookUrl: url } } });
  const started = cfg(slack('https://hooks.slack.com/services/T0/B0/aaaa'));
  const live = planReload(started, { ...started }, cfg(slack('https://hooks.slack.com/services/T0/B0/bbbb')));
  assert.deepEqual(live.restartNeeded, []);
  assert.equal(live.config.alerts.slack.webhookUrl, 'https://hooks.slack.com/services/T0/B0/bbbb');
  const added = planReload(
    started,
    { ...started },
    cfg({
      alerts: {
        slack: { webhookUrl: 'https://hooks.slack.com/services/T0/B0/bbbb' },
        alertmanager: { urls: ['http://am:9093'] },
      },
    }),
  );
  assert.deepEqual(
    added.restartNeeded.map((r) => [r.key, r.running, r.requested]),
    [['alerts (sinks)', ['slack'], ['slack', 'alertmanager']]],
  );
  assert.equal(added.config.alerts, started.alerts, 'alert settings kept whole');
});

test('planReload: restart-only keys are compared with the config the daemon started with, not the last reload', () => {
  const started = cfg();
  const first = planReload(started, { ...started }, cfg({ listen: { host: '127.0.0.1', port: 9711 } }));
  const second = planReload(started, first.config, cfg({ listen: { host: '127.0.0.1', port: 9711 }, hungAfter: '2m' }));
  assert.deepEqual(
    second.restartNeeded.map((r) => r.key),
    ['listen'],
    'still pending a restart',
  );
  const back = planReload(started, second.config, cfg());
  assert.deepEqual(back.restartNeeded, [], 'back to the running value: nothing pending');
});

test('the tick chain takes a new interval with one timer: many setIntervalMs calls never add a chain', async () => {
  let ticks = 0;
  const at: number[] = [];
  const s = createTickScheduler(async () => {
    ticks += 1;
    at.push(Date.now());
  }, 400);
  s.start();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(ticks, 1, 'the first tick at once');
  // Shorter: the pending 400 ms wait is re-timed to 100 ms from the last start, not left to run out.
  for (let i = 0; i < 100; i++) s.setIntervalMs(100);
  await new Promise((r) => setTimeout(r, 1000));
  await s.stop(1000);
  assert.ok(
    at[1]! - at[0]! < 300,
    `the second tick ~100 ms after the first, not at the old 400: ${at[1]! - at[0]!} ms`,
  );
  assert.ok(ticks >= 6 && ticks <= 12, `about 10 ticks in 1 s at 100 ms (two chains would give ~20): ${ticks}`);
  const after = ticks;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(ticks, after, 'stopped: no tick after stop');
  s.setIntervalMs(10);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(ticks, after, 'setIntervalMs on a stopped chain does not restart it');
});

test('systemd: RELOADING=1 with MONOTONIC_USEC then READY=1 around a reload, only once ready was sent', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-notify-reload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'calls');
  const stub = join(dir, 'systemd-notify');
  writeFileSync(stub, `#!/bin/sh\necho "$*" >> ${JSON.stringify(log)}\n`);
  chmodSync(stub, 0o755);
  const ext = createSystemdNotify({ command: stub, env: { NOTIFY_SOCKET: '/run/test.sock' }, pid: 4242 });
  assert.equal(await ext.aroundReload(async () => 'before'), 'before');
  assert.equal(existsSync(log), false, 'not ready yet: nothing sent');
  const ctx = { config: { targets: [{ name: 'j' }] }, logger: { info() {}, warn() {} } } as unknown as ExtensionContext;
  await ext.afterTick!({ ok: true } as TickSummary, ctx);
  await assert.rejects(
    ext.aroundReload(async () => {
      throw new Error('refused');
    }),
  );
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  assert.equal(lines[0]?.startsWith('--ready --pid=4242'), true);
  assert.match(lines[1] ?? '', /^--pid=4242 RELOADING=1 MONOTONIC_USEC=[0-9]+$/);
  const usec = Number(/MONOTONIC_USEC=([0-9]+)/.exec(lines[1] ?? '')?.[1]);
  assert.ok(Math.abs(usec - Number(process.hrtime.bigint() / 1000n)) < 10_000_000, 'CLOCK_MONOTONIC µs, now');
  assert.equal(lines[2], '--pid=4242 READY=1', 'READY=1 even when the reload was refused: the old config runs');
});

test('reloads never overlap: a burst of requests during a reload folds into exactly one more, whatever the timing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-reload-fold-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'forkwatch.json');
  writeFileSync(file, JSON.stringify({ ...BASE, stateDir: dir }));
  const started = resolveConfig({ ...BASE, stateDir: dir }, file, {});
  const logger = silentLogger();
  let reconfigured = 0;
  const daemon = {
    context: { config: started, matcher: loadMatcher(started, logger) },
    reconfigure: async () => void (reconfigured += 1),
  } as unknown as Daemon;
  let active = 0;
  let maxActive = 0;
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const reloader = createReloader({
    file,
    env: {},
    started,
    daemon,
    logger,
    metrics: createMetrics(),
    aroundReload: async (fn) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await gate;
      try {
        return await fn();
      } finally {
        active -= 1;
      }
    },
  });
  const first = reloader.request();
  const burst = Array.from({ length: 50 }, () => reloader.request());
  assert.equal(new Set(burst).size, 1, 'every request made during the reload shares one queued reload');
  open();
  await first;
  const outcomes = await Promise.all(burst);
  assert.ok(outcomes.every((o) => o.ok));
  assert.equal(reloader.reloads, 2, 'one reload, then one for the whole burst');
  assert.equal(reconfigured, 2);
  assert.equal(maxActive, 1, 'never two at once');
});
