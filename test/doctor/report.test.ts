/** Exit status, the checklist text and JSON, and the pure checks (targets, node flags, Alertmanager body). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checklistToJson, formatChecklist } from '../../src/doctor/report.js';
import { exitStatusOf, result } from '../../src/doctor/types.js';
import { nodeFlagChecks } from '../../src/doctor/node-flags.js';
import { targetChecks } from '../../src/doctor/targets.js';
import { statusVersion, withoutCredentials } from '../../src/doctor/alerts.js';
import { DAEMON_ENV, DAEMON_NODE_FLAGS, daemonEnvWords } from '../../src/daemon/node-flags.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/native-build.js';
import type { ScanReport } from '../../src/classify/types.js';

test('exit status: monitoring-plugin convention; a skip is not a problem; a failure wins over unknown', () => {
  const ok = result('a', 'ok', 'x');
  assert.equal(exitStatusOf([ok, result('b', 'skip', 'x')]), 0);
  assert.equal(exitStatusOf([ok, result('b', 'warn', 'x')]), 1);
  assert.equal(exitStatusOf([result('b', 'warn', 'x'), result('c', 'fail', 'x')]), 2);
  assert.equal(exitStatusOf([result('b', 'warn', 'x'), result('c', 'unknown', 'x')]), 3);
  assert.equal(exitStatusOf([result('c', 'unknown', 'x'), result('c', 'fail', 'x')]), 2);
});

test('checklist: one line per check, the fix under each failed one; JSON keeps exactly check/status/detail/fix', () => {
  const rows = [result('privileges', 'fail', 'no caps', 'grant them'), result('stateDir', 'ok', 'fine', 'never shown')];
  const text = formatChecklist(rows);
  assert.match(text, /^\[CRIT\] privileges\s+no caps\n\s+fix: grant them\n\[ok {2}\] stateDir\s+fine\n/);
  assert.doesNotMatch(text, /never shown/);
  const json = JSON.parse(checklistToJson(rows)) as Record<string, unknown>[];
  assert.deepEqual(Object.keys(json[0]!), ['check', 'status', 'detail', 'fix']);
  assert.equal(json[1]!.fix, null);
});

function report(over: Partial<ScanReport>): ScanReport {
  return {
    at: 0,
    host: 'h',
    targets: [],
    missingTargets: [],
    children: [],
    stats: {} as ScanReport['stats'],
    warnings: [],
    ...over,
  };
}

test('targets: found with its user, syscall readable or not (with the fix), missing ones warned', () => {
  const process = { pid: 42, uid: 0 } as ScanReport['targets'][number]['process'];
  const lines = targetChecks(
    report({ targets: [{ name: 'jenkins', process, user: 'root' }], missingTargets: ['agent'] }),
    () => null,
  );
  assert.deepEqual(
    lines.map((l) => [l.check, l.status]),
    [
      ['target agent', 'warn'],
      ['target jenkins', 'ok'],
      ['syscall jenkins', 'fail'],
    ],
  );
  assert.match(lines[1]!.detail, /pid 42, user root/);
  assert.match(lines[2]!.fix!, /CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH/);
  const readable = targetChecks(report({ targets: [{ name: 'jenkins', process, user: null }] }), () => '202 0x1 0x2');
  assert.match(readable[0]!.detail, /user uid 0/);
  assert.equal(readable[1]!.status, 'ok');
  assert.equal(targetChecks(new Error('boom'))[0]!.status, 'unknown');
});

test("node flags: ok with the launcher's flags; the installed unit read otherwise; skip when neither", () => {
  const base = { nodeVersion: '20.11.0', nodeOptions: undefined, unit: null };
  assert.equal(nodeFlagChecks({ ...base, execArgv: DAEMON_NODE_FLAGS })[1]!.status, 'ok');
  assert.equal(nodeFlagChecks({ ...base, execArgv: [] })[1]!.status, 'skip');
  const unit = (flags: readonly string[]) => ({
    path: '/etc/systemd/system/forkwatch.service',
    text: `[Service]\nExecStart=/usr/bin/node ${flags.join(' ')} /opt/forkwatch/dist/cli/index.js run\n`,
  });
  assert.equal(nodeFlagChecks({ ...base, execArgv: [], unit: unit(DAEMON_NODE_FLAGS) })[1]!.status, 'ok');
  const partial = nodeFlagChecks({ ...base, execArgv: [], unit: unit(DAEMON_NODE_FLAGS.slice(1)) })[1]!;
  assert.equal(partial.status, 'warn');
  assert.match(partial.detail, /lacks --v8-pool-size=1/);
  assert.equal(nodeFlagChecks({ ...base, nodeVersion: '18.19.0', execArgv: [] })[0]!.status, 'fail');
});

test("daemon environment: ok in doctor's own; the installed unit's Environment= read otherwise; skip when neither", () => {
  const base = { nodeVersion: '20.11.0', nodeOptions: undefined, execArgv: [], unit: null };
  assert.equal(nodeFlagChecks({ ...base, env: { ...DAEMON_ENV } })[2]!.status, 'ok');
  assert.equal(nodeFlagChecks({ ...base, env: {} })[2]!.status, 'skip');
  const unit = (env: string) => ({
    path: '/etc/systemd/system/forkwatch.service',
    text: `[Service]\n${env}ExecStart=/usr/bin/node /opt/forkwatch/dist/cli/index.js run\n`,
  });
  const shipped = readFileSync(join(REPO_ROOT, 'deploy/systemd/forkwatch.service'), 'utf8');
  assert.equal(nodeFlagChecks({ ...base, env: {}, unit: { path: 'x', text: shipped } })[2]!.status, 'ok');
  assert.equal(
    nodeFlagChecks({ ...base, env: {}, unit: unit(`Environment=${daemonEnvWords().join(' ')}\n`) })[2]!.status,
    'ok',
  );
  const without = nodeFlagChecks({ ...base, env: {}, unit: unit('Environment=FORKWATCH_STATE_DIR=/x\n') })[2]!;
  assert.equal(without.status, 'warn');
  assert.match(without.detail, /does not set GLIBC_TUNABLES=glibc\.malloc\.trim_threshold=65536/);
  assert.match(without.fix!, /GLIBC_TUNABLES=/);
});

test('Alertmanager status body: version read; anything else refused; credentials never shown', () => {
  assert.equal(statusVersion('{"cluster":{"status":"disabled"},"versionInfo":{"version":"0.25.0"}}'), '0.25.0');
  assert.equal(statusVersion('<html>'), null);
  assert.equal(statusVersion('{"ok":true}'), null);
  assert.equal(withoutCredentials('http://u:secret@am.example:9093'), 'http://am.example:9093/');
});
