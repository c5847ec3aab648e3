/** Config: embedded defaults ← YAML file ← FORKWATCH_* environment; every error names key, value, what is allowed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, redactConfig, resolveConfig } from '../../src/config/load.js';
import { ConfigError, EX_CONFIG } from '../../src/config/errors.js';
import { parseDuration, formatDuration } from '../../src/config/duration.js';
import { envVarNames } from '../../src/config/env.js';
import { CLI_ARGS } from '../helpers/cli-command.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('embedded defaults: the Jenkins target, 60 s hungAfter, 15 s interval, loopback 9710, remediation off', () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.targets.length, 1);
  const re = c.targets[0]!.cmdline!;
  for (const cmd of [
    'java -jar /usr/share/jenkins/jenkins.war',
    'java -cp x hudson.Main',
    'java -jar agent.jar -url x',
    'java -jar remoting.jar',
    'java -jar slave.jar',
  ]) {
    assert.ok(re.test(cmd), cmd);
  }
  assert.equal(re.test('java -jar other.jar'), false);
  assert.equal(c.hungAfterMs, 60_000);
  assert.equal(c.intervalMs, 15_000);
  assert.deepEqual(c.listen, { host: '127.0.0.1', port: 9710 });
  assert.equal(c.remediation.mode, 'off');
  assert.equal(c.authToken, null);
  assert.equal(c.retentionMs, 30 * 86_400_000);
  assert.deepEqual(c.capture.order, ['eu-stack', 'pstack', 'gstack', 'gdb']);
});

test('a YAML file, then the environment, override the defaults', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'f.yml');
  writeFileSync(file, 'hungAfter: 2m\ninterval: 5\nlisten: { port: 9999 }\ntargets: [{ name: ci, pid: 42 }]\n');
  const c = loadConfig({
    file,
    env: {
      FORKWATCH_LISTEN_PORT: '1234',
      FORKWATCH_CAPTURE_ORDER: 'gdb,eu-stack',
      FORKWATCH_THREAD_DUMP_ENABLED: 'true',
    },
  });
  assert.equal(c.hungAfterMs, 120_000);
  assert.equal(c.intervalMs, 5_000, 'a bare number is seconds');
  assert.equal(c.listen.port, 1234, 'environment wins over the file');
  assert.equal(c.listen.host, '127.0.0.1', 'siblings keep their defaults');
  assert.deepEqual(c.capture.order, ['gdb', 'eu-stack']);
  assert.equal(c.threadDump.enabled, true);
  assert.deepEqual(c.targets, [{ name: 'ci', pid: 42 }]);
  const viaEnvFile = loadConfig({ env: { FORKWATCH_CONFIG: file } });
  assert.equal(viaEnvFile.listen.port, 9999, 'FORKWATCH_CONFIG names the file');
});

test('every error names the key, the bad value and what is allowed', (t) => {
  const dir = tempDir(t);
  const rows: [string, Record<string, unknown>, RegExp][] = [
    ['port out of range', { listen: { port: 99999 } }, /^config \(x\): listen\.port = 99999: must be <= 65535$/],
    ['enum', { source: 'x' }, /source = "x": one of "auto", "procfs", "ps"/],
    ['duration', { hungAfter: '5 minutes' }, /hungAfter = "5 minutes": a duration/],
    ['zero interval', { interval: '0s' }, /interval = "0s": a duration greater than zero/],
    ['unknown key', { listen: { prot: 1 } }, /listen\.prot = 1: unknown key; allowed here: host, port/],
    ['unknown top-level key', { hungafter: '1s' }, /hungafter = "1s": unknown key; allowed here: targets, hungAfter/],
    [
      'bad regex',
      { targets: [{ name: 'a', cmdline: '(' }] },
      /targets\[0\]\.cmdline = "\(": a linear-time regular expression, RE2 syntax \(missing closing \)\)/,
    ],
    [
      'target without a selector',
      { targets: [{ name: 'a' }] },
      /targets\[0\] = \{"name":"a"\}: a target needs at least one of pid, pidfile, cmdline, exe, user/,
    ],
    ['short token', { auth: { token: 'short' } }, /auth\.token = "<redacted>": must NOT have fewer than 16 characters/],
    [
      'webhook not http(s)',
      { alerts: { slack: { webhookUrl: 'ftp://hooks.example/T0/B0/X' } } },
      /alerts\.slack\.webhookUrl = "<redacted>": must match pattern/,
    ],
    [
      'remediation mode',
      { remediation: { mode: 'yes' } },
      /remediation\.mode = "yes": one of "off", "dry-run", "kill"/,
    ],
    ['empty targets', { targets: [] }, /targets = \[\]: must NOT have fewer than 1 items/],
    [
      'unreadable token file',
      { auth: { tokenFile: join(dir, 'missing') } },
      /auth\.tokenFile = ".*missing": a readable file \(ENOENT\)/,
    ],
    [
      'token with a space',
      { auth: { token: 'two words 0123456789abcdef' } },
      /auth\.token = "<redacted>": a token of printable ASCII characters with no spaces/,
    ],
    [
      'webhook over http to a remote host',
      { alerts: { slack: { webhookUrl: 'http://hooks.example/T0/B0/X' } } },
      /alerts\.slack\.webhookUrl = "<redacted>": an https:\/\/ URL \(http:\/\/ only to a loopback host\); got http:\/\/ to hooks\.example/,
    ],
    [
      'token file that is a device',
      { auth: { tokenFile: '/dev/zero' } },
      /auth\.tokenFile = "\/dev\/zero": a regular file of at most 65536 bytes: not a regular file \(a character device\)/,
    ],
  ];
  for (const [name, data, expected] of rows) {
    assert.throws(
      () => resolveConfig(data, 'x'),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, name);
        assert.match(err.message, expected, `${name}: ${err.message}`);
        return true;
      },
    );
  }
});

test('file problems: unreadable, not YAML, not a mapping; unknown FORKWATCH_* variables', (t) => {
  const dir = tempDir(t);
  assert.throws(
    () => loadConfig({ file: join(dir, 'nope.yml'), env: {} }),
    /--config = ".*nope\.yml": cannot read the file/,
  );
  writeFileSync(join(dir, 'bad.yml'), 'a: [1, 2\n');
  assert.throws(() => loadConfig({ file: join(dir, 'bad.yml'), env: {} }), /--config = ".*bad\.yml": not valid YAML/);
  writeFileSync(join(dir, 'list.yml'), '- 1\n- 2\n');
  assert.throws(
    () => loadConfig({ file: join(dir, 'list.yml'), env: {} }),
    /\(top level\) = \[1,2\]: a mapping of keys to values/,
  );
  writeFileSync(join(dir, 'empty.yml'), '');
  assert.equal(
    loadConfig({ file: join(dir, 'empty.yml'), env: {} }).intervalMs,
    15_000,
    'an empty file is the defaults',
  );
  assert.throws(
    () => loadConfig({ env: { FORKWATCH_LISTEN_PROT: '1' } }),
    /FORKWATCH_LISTEN_PROT = "1": unknown environment variable; known: .*FORKWATCH_LISTEN_PORT/,
  );
  assert.throws(() => loadConfig({ env: { FORKWATCH_TARGETS: '[{' } }), /FORKWATCH_TARGETS = "\[\{": valid JSON/);
});

test('secrets come from files, are trimmed, and are redacted in the printed config', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'token'), 'abcdefghijklmnopqrstuvwxyz\n', { mode: 0o600 });
  writeFileSync(join(dir, 'hook'), 'https://hooks.example/T000/B000/XXXX\n', { mode: 0o600 });
  const c = loadConfig({
    env: { FORKWATCH_AUTH_TOKEN_FILE: join(dir, 'token'), FORKWATCH_ALERTS_SLACK_WEBHOOK_URL_FILE: join(dir, 'hook') },
  });
  assert.equal(c.authToken, 'abcdefghijklmnopqrstuvwxyz');
  assert.equal(c.alerts.slack.webhookUrl, 'https://hooks.example/T000/B000/XXXX');
  const printed = JSON.stringify(redactConfig(c));
  assert.doesNotMatch(printed, /abcdefghijklmnop|hooks\.example/);
  assert.match(printed, /<redacted>/);
});

test('every schema leaf has exactly one environment variable', () => {
  const names = envVarNames();
  assert.equal(new Set(names).size, names.length);
  for (const n of [
    'FORKWATCH_HUNG_AFTER',
    'FORKWATCH_LISTEN_PORT',
    'FORKWATCH_ALERTS_SLACK_WEBHOOK_URL',
    'FORKWATCH_REMEDIATION_MODE',
    'FORKWATCH_PROC_ROOT',
  ]) {
    assert.ok(names.includes(n), n);
  }
});

test('durations: units, bare seconds, and what is not one', () => {
  const rows: [unknown, number | null][] = [
    ['500ms', 500],
    ['15s', 15_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['4h', 14_400_000],
    ['30d', 2_592_000_000],
    [15, 15_000],
    [0, 0],
    ['15', null],
    ['-1s', null],
    ['1w', null],
    [-1, null],
    [Number.NaN, null],
    [null, null],
    ['1'.repeat(40) + 's', null],
  ];
  for (const [input, ms] of rows) assert.equal(parseDuration(input), ms, String(input));
  assert.equal(formatDuration(3_600_000), '1h');
  assert.equal(formatDuration(1500), '1500ms');
});

test('forkwatch check-config: 0 and the effective config; 78 (EX_CONFIG) naming the key on a bad value', () => {
  const cli = [...CLI_ARGS, 'check-config', '--json'];
  const out = execFileSync(process.execPath, cli, {
    encoding: 'utf8',
    env: { ...process.env, FORKWATCH_CONFIG: '', FORKWATCH_INTERVAL: '30s' },
  });
  assert.equal((JSON.parse(out) as { intervalMs: number }).intervalMs, 30_000);
  try {
    execFileSync(process.execPath, cli, {
      encoding: 'utf8',
      stdio: 'pipe',
      env: { ...process.env, FORKWATCH_CONFIG: '', FORKWATCH_LISTEN_PORT: '99999' },
    });
    assert.fail('check-config accepted port 99999');
  } catch (err) {
    const e = err as { status: number; stderr: string };
    assert.equal(e.status, EX_CONFIG);
    assert.match(e.stderr, /listen\.port = 99999: must be <= 65535/);
  }
});
