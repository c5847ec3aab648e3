/**
 * The wall-clock keys: defaults, the older `retention: 30d` spelling, and bad
 * cron or zone refused at load with exit 78 naming the key and the value,
 * through the real CLI (check-config and run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, resolveConfig } from '../../src/config/load.js';
import { REPO_ROOT } from '../helpers/native-build.js';
import { CLI_ARGS, runMainHere } from '../helpers/cli-command.js';
import { main as checkConfigMain } from '../../src/cli/check-config.js';

const DAY = 86_400_000;

test("defaults: retention at 03:17, audit at 04:23, no digest, the host's zone", () => {
  const c = resolveConfig({});
  assert.deepEqual(c.schedules, { retention: '17 3 * * *', audit: '23 4 * * *', digest: null });
  assert.equal(c.timezone, Intl.DateTimeFormat().resolvedOptions().timeZone);
  assert.equal(c.retentionMs, 30 * DAY);
});

test('retention: the older duration spelling still sets how long; the object sets both; env likewise', () => {
  assert.equal(resolveConfig({ retention: '7d' }).retentionMs, 7 * DAY);
  const both = resolveConfig({ retention: { keep: '2d', schedule: '0 */6 * * *' }, timezone: 'Europe/Paris' });
  assert.equal(both.retentionMs, 2 * DAY);
  assert.equal(both.schedules.retention, '0 */6 * * *');
  assert.equal(both.timezone, 'Europe/Paris');
  const env = {
    FORKWATCH_RETENTION: '3d',
    FORKWATCH_RETENTION_SCHEDULE: '5 1 * * *',
    FORKWATCH_AUDIT_SCHEDULE: '*/10 * * * * *',
  };
  const fromEnv = loadConfig({ env });
  assert.equal(fromEnv.retentionMs, 3 * DAY);
  assert.deepEqual(fromEnv.schedules, { retention: '5 1 * * *', audit: '*/10 * * * * *', digest: null });
});

test('a digest needs a webhook (exit 78 naming alerts.slack.digest)', () => {
  assert.throws(
    () => resolveConfig({ alerts: { slack: { digest: '0 9 * * 1-5' } } }),
    /alerts\.slack\.digest = "0 9 \* \* 1-5": a digest needs a Slack webhook/,
  );
  const c = resolveConfig({ alerts: { slack: { digest: '0 9 * * 1-5', webhookUrl: 'http://127.0.0.1:9/hook' } } });
  assert.equal(c.schedules.digest, '0 9 * * 1-5');
});

const BAD: [string, string, RegExp][] = [
  [
    'retention: { schedule: "61 * * * *" }',
    'retention.schedule',
    /retention\.schedule = "61 \* \* \* \*": a cron expression/,
  ],
  ['audit: { schedule: "every day" }', 'audit.schedule', /audit\.schedule = "every day": a cron expression/],
  [
    'alerts: { slack: { webhookUrl: "http://127.0.0.1:9/h", digest: "0 25 * * *" } }',
    'alerts.slack.digest',
    /alerts\.slack\.digest = "0 25 \* \* \*": a cron expression/,
  ],
  ['timezone: Mars/Olympus_Mons', 'timezone', /timezone = "Mars\/Olympus_Mons": an IANA time zone name/],
];

/** `run` as a real process (its start-up refuses the config: the exit status is the point); check-config's main in-process (runMainHere), the good-schedules test below runs its process. */
async function cli(
  t: import('node:test').TestContext,
  command: string,
  yaml: string,
): Promise<{ status: number | null; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-clock-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'forkwatch.yaml');
  writeFileSync(file, `stateDir: ${dir}/state\nlisten: { port: 0 }\n${yaml}\n`);
  if (command === 'check-config') return runMainHere(checkConfigMain, ['--config', file]);
  const r = spawnSync(process.execPath, [...CLI_ARGS, command, '--config', file], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, FORKWATCH_CONFIG: '' },
  });
  return { status: r.status, stderr: r.stderr };
}

for (const [yaml, key, message] of BAD) {
  for (const command of ['check-config', 'run']) {
    test(`forkwatch ${command}: bad ${key} exits 78 naming the key and the value`, async (t) => {
      const r = await cli(t, command, yaml);
      assert.equal(r.status, 78, r.stderr);
      assert.match(r.stderr, message);
    });
  }
}

test('forkwatch check-config: good schedules pass and are shown', (t) => {
  const r = spawnSync(process.execPath, [...CLI_ARGS, 'check-config', '--json'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      ...process.env,
      FORKWATCH_CONFIG: '',
      FORKWATCH_TIMEZONE: 'Europe/Paris',
      FORKWATCH_AUDIT_SCHEDULE: '0 4 * * 1',
    },
  });
  t.diagnostic(r.stderr);
  assert.equal(r.status, 0, r.stderr);
  const shown = JSON.parse(r.stdout) as { schedules: unknown; timezone: string };
  assert.deepEqual(shown.schedules, { retention: '17 3 * * *', audit: '0 4 * * 1', digest: null });
  assert.equal(shown.timezone, 'Europe/Paris');
});
