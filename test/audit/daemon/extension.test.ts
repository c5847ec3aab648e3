/**
 * The audit extension in a real daemon (createDaemon, real store, real
 * metrics and routes) over a fake scanner and a stand-in audit: when it
 * audits (a new target pid, the schedule; never twice for a pid), what it
 * keeps, the metric, the route, the rise warnings through the outbox (once
 * per pid and level), failures counted and not fatal, the bundle's section.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDaemon } from '../../../src/daemon/index.js';
import { createMetrics } from '../../../src/extension/metrics.js';
import { silentLogger } from '../../../src/util/logger.js';
import { createAuditExtension, loadAuditRules } from '../../../src/audit/daemon/extension.js';
import type { AuditJob, WallClock } from '../../../src/daemon/wall-clock.js';
import type { AtRiskProvider } from '../../../src/extension/scheduled-jobs.js';
import type { AuditResult } from '../../../src/audit/types.js';
import { ConfigError } from '../../../src/config/errors.js';
import { requireTool } from '../../helpers/native-build.js';
import { fakeScanner, proc, report, tempStore, testConfig } from '../../expose/fakes.js';
import { reason, result } from './samples.js';

const HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>';

function stubClock(): WallClock & { job: AuditJob | null; atRisk: AtRiskProvider | null } {
  const c = {
    job: null as AuditJob | null,
    atRisk: null as AtRiskProvider | null,
    clock: null as never,
    setAuditJob: (j: AuditJob) => void (c.job = j),
    setAtRiskProvider: (p: AtRiskProvider) => void (c.atRisk = p),
    start() {},
    stop: async () => {},
    reconfigure: async () => {},
    housekeeping: () => null,
  };
  return c;
}

async function setup(t: import('node:test').TestContext) {
  const s = tempStore(['slack']);
  const scanner = fakeScanner(report([]));
  const config = testConfig({ alerts: { slack: { webhookUrl: 'https://hooks.slack.com/services/T0/B0/x' } } });
  const byPid = new Map<number, AuditResult | Error>();
  const calls: number[] = [];
  const clock = stubClock();
  const ext = createAuditExtension(config, () => clock, {
    audit: async (_target, pid) => {
      calls.push(pid);
      const r = byPid.get(pid) ?? result('none', [], pid);
      if (r instanceof Error) throw r;
      return r;
    },
  });
  const daemon = createDaemon({
    config,
    logger: silentLogger(),
    store: s.store,
    stages: { scanner, evidence: null, matcher: null },
    metrics: createMetrics(),
    extensions: [ext],
  });
  await daemon.start({ listen: false, schedule: false });
  const app = daemon.app()!;
  t.after(async () => {
    await daemon.stop();
    s.cleanup();
  });
  const tick = async (pid: number | null) => {
    scanner.next =
      pid === null
        ? { ...report([]), targets: [], missingTargets: ['jenkins'] }
        : { ...report([]), targets: [{ name: 'jenkins', process: proc(pid), user: 'jenkins' }] };
    await daemon.runScan();
    await ext.idle();
  };
  const warnings = () =>
    s.store.listDueMessages('slack', Date.now() + 1e9, 100).filter((m) => m.key.startsWith('fork-risk:'));
  return { app, ext, byPid, calls, clock, tick, warnings, store: s.store };
}

const high = (pid: number) =>
  result(
    'high',
    [
      reason('jdk-fork-with-preload', 'high', `LD_PRELOAD=/tmp/${HOSTILE}.so`),
      reason('jdk-launch-mechanism-fork', 'low'),
    ],
    pid,
  );

test('a new target pid is audited once after the tick; the route, the metric and one warning', async (t) => {
  const { app, ext, byPid, calls, tick, warnings } = await setup(t);
  byPid.set(300, high(300));
  await tick(300);
  await tick(300);
  assert.deepEqual(calls, [300], 'audited once for the pid');
  assert.equal(ext.latest('jenkins')?.result.risk, 'high');

  const res = await app.inject('/api/v1/targets/jenkins/audit');
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.risk, 'high');
  assert.equal(body.pid, 300);
  assert.match(body.auditedAt, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(
    body.reasons.map((r: { rule: string }) => r.rule),
    ['jdk-fork-with-preload', 'jdk-launch-mechanism-fork'],
  );
  assert.equal((await app.inject('/api/v1/targets/nope/audit')).statusCode, 404);

  const metrics = (await app.inject('/metrics')).body;
  assert.match(metrics, /^forkwatch_target_fork_risk\{target="jenkins",reason="jdk-fork-with-preload"\} 2$/m);
  assert.match(metrics, /^forkwatch_target_fork_risk\{target="jenkins",reason="jdk-launch-mechanism-fork"\} 1$/m);
  assert.match(metrics, /^forkwatch_target_fork_risk_level\{target="jenkins"\} 2$/m);
  assert.match(metrics, /^forkwatch_target_audits_total\{target="jenkins",outcome="ok"\} 1$/m);
  requireTool('promtool', ['--version']);
  const dir = mkdtempSync(join(tmpdir(), 'fw-promtool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'm.txt'), metrics);
  const out = execFileSync('sh', ['-c', `promtool check metrics < ${join(dir, 'm.txt')} 2>&1; echo "rc=$?"`], {
    encoding: 'utf8',
  });
  assert.equal(out.trim(), 'rc=0', `promtool complained:\n${out}`);

  const w = warnings();
  assert.equal(w.length, 1);
  assert.equal(w[0]!.key, 'fork-risk:jenkins:300:high');
  const msg = JSON.parse(w[0]!.body) as { text: string; blocks: { text?: { text: string } }[] };
  assert.match(msg.text, /^Warning \(not a page\)/);
  assert.ok(!w[0]!.body.includes('<script>'), 'mrkdwn-escaped');
});

test('a restart without the risk falls (no warning, metric 0); a restart with it again warns once more', async (t) => {
  const { byPid, tick, warnings, app, calls } = await setup(t);
  byPid.set(300, high(300));
  byPid.set(301, result('none', [], 301));
  byPid.set(302, high(302));
  await tick(300);
  await tick(null);
  assert.equal((await app.inject('/api/v1/targets/jenkins/audit')).json().risk, null, 'gone: cannot tell');
  assert.doesNotMatch(
    (await app.inject('/metrics')).body,
    /^forkwatch_target_fork_risk_level\{/m,
    'no series when it cannot tell',
  );
  await tick(301);
  assert.match((await app.inject('/metrics')).body, /^forkwatch_target_fork_risk_level\{target="jenkins"\} 0$/m);
  assert.doesNotMatch((await app.inject('/metrics')).body, /^forkwatch_target_fork_risk\{/m);
  assert.equal(warnings().length, 1);
  await tick(302);
  assert.deepEqual(
    warnings().map((m) => m.key),
    ['fork-risk:jenkins:300:high', 'fork-risk:jenkins:302:high'],
  );
  assert.deepEqual(calls, [300, 301, 302]);
});

test('low then high warns twice (none→low, low→high); the schedule re-audits the same pid without a new warning', async (t) => {
  const { byPid, tick, warnings, clock, calls } = await setup(t);
  byPid.set(300, result('low', [reason('jdk-launch-mechanism-fork', 'low')], 300));
  await tick(300);
  byPid.set(300, high(300));
  await clock.job!(new Date());
  await clock.job!(new Date());
  assert.deepEqual(calls, [300, 300, 300]);
  assert.deepEqual(
    warnings().map((m) => m.key),
    ['fork-risk:jenkins:300:low', 'fork-risk:jenkins:300:high'],
  );
  const atRisk = await clock.atRisk!();
  assert.equal(atRisk.length, 1);
  assert.equal(atRisk[0]!.risk, 'high');
});

test('an audit that throws is counted and logged, never fatal; the next pid is audited', async (t) => {
  const { byPid, tick, app, ext } = await setup(t);
  byPid.set(300, new Error('boom'));
  await tick(300);
  assert.equal(ext.latest('jenkins'), null);
  assert.match(
    (await app.inject('/metrics')).body,
    /^forkwatch_target_audits_total\{target="jenkins",outcome="failed"\} 1$/m,
  );
  assert.equal((await app.inject('/api/v1/targets/jenkins/audit')).json().risk, null);
  await tick(301);
  assert.equal(ext.latest('jenkins')?.result.risk, 'none');
});

test('a bad user rule file is a config error naming the file and key (exit 78)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-rules-'));
  try {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'version: "1.0"\nrules:\n  - id: x\n    level: extreme\n');
    const config = testConfig({ audit: { rules: { paths: [file] } } });
    assert.throws(
      () => loadAuditRules(config),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.key === 'audit.rules.paths' &&
        e.message.includes(file) &&
        /rules\[0\]/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
