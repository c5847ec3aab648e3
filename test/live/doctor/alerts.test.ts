/**
 * doctor's alert checks against real servers on loopback: a real
 * prometheus-alertmanager (test/helpers/alertmanager.ts) answers
 * /api/v2/status; a closed port fails with its fix; the Slack stand-in
 * records that nothing is sent without --send-test and one message with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startAlertmanager } from '../../helpers/alertmanager.js';
import { startSlackStandin } from '../../helpers/slack-standin.js';
import { assertStatus, cliRootFor, runDoctor, worldTempDir, writeConfig } from './support.js';

test(
  'doctor: a real Alertmanager ok, a closed port fails; Slack: nothing sent unless --send-test',
  { timeout: 180_000 },
  async (t) => {
    const cli = cliRootFor();
    const dir = worldTempDir(t);
    const am = await startAlertmanager();
    t.after(() => am.stop());
    const slack = await startSlackStandin();
    t.after(() => slack.close());
    const closed = `http://127.0.0.1:${await freePort()}`;
    const withCredentials = am.url.replace('http://', 'http://doctor:am-secret-pw@');
    const config = writeConfig(dir, {
      targets: [{ name: 'x', pid: 1 }],
      stateDir: `${dir}/state`,
      capture: { enabled: false },
      alerts: { alertmanager: { urls: [am.url, closed, withCredentials], timeout: '2s' } },
    });
    const env = { FORKWATCH_ALERTS_SLACK_WEBHOOK_URL: slack.url };

    const quiet = await runDoctor(cli, 'root', ['--config', config], env);
    assertStatus(quiet, `alertmanager ${am.url}`, 'ok', /^GET \/api\/v2\/status: 200, Alertmanager [0-9]/);
    assertStatus(quiet, `alertmanager ${am.url}/`, 'ok', /200/);
    assert.ok(!quiet.stdout.includes('am-secret-pw'), 'a password in an Alertmanager URL is never printed');
    const down = assertStatus(quiet, `alertmanager ${closed}`, 'fail', /ECONNREFUSED/);
    assert.match(down.fix!, /alerts\.alertmanager\.urls/);
    assertStatus(quiet, 'slack webhook', 'ok', /configured, well formed \(127\.0\.0\.1:[0-9]+\)/);
    assertStatus(quiet, 'slack test message', 'skip', /--send-test/);
    assert.equal(slack.requests.length, 0, 'no message without --send-test');
    assert.equal(quiet.status, 2, 'a failed Alertmanager: exit 2');
    assert.ok(!quiet.stdout.includes(new URL(slack.url).pathname), 'the webhook path (its secret) is never printed');

    const sent = await runDoctor(cli, 'root', ['--config', config, '--send-test'], env);
    assertStatus(sent, 'slack test message', 'ok', /^sent to 127\.0\.0\.1:[0-9]+: HTTP 200$/);
    assert.equal(slack.requests.length, 1, 'exactly one message with --send-test');
    assert.match(slack.requests[0]!.json?.text ?? '', /forkwatch doctor on .*: test message/);

    slack.setDefault({ kind: 'status', status: 404, body: 'no_service' });
    const revoked = await runDoctor(cli, 'root', ['--config', config, '--send-test'], env);
    assertStatus(revoked, 'slack test message', 'fail', /not delivered to 127\.0\.0\.1:[0-9]+: HTTP 404/);
    assert.ok(!revoked.stdout.includes(new URL(slack.url).pathname), 'nor in a delivery error');
  },
);

test('doctor: a malformed webhook is refused as config (78), naming the key', { timeout: 60_000 }, async (t) => {
  const cli = cliRootFor();
  const dir = worldTempDir(t);
  const config = writeConfig(dir, {
    targets: [{ name: 'x', pid: 1 }],
    stateDir: `${dir}/state`,
    capture: { enabled: false },
  });
  const argv = [process.execPath, `${cli}/dist/cli/index.js`, 'doctor', '--config', config];
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(argv[0]!, argv.slice(1), {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH, FORKWATCH_ALERTS_SLACK_WEBHOOK_URL: 'http://hooks.example.com/x' },
  });
  assert.equal(r.status, 78, r.stderr);
  assert.match(r.stderr, /alerts\.slack\.webhookUrl/);
  assert.match(r.stderr, /http:\/\/ only to a loopback host/);
});
