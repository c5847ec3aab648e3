import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor, CUT_MARK, MAX_SCANNED_CHARS, REDACTED } from '../../src/util/redact.js';
import { compileSafeRegex } from '../../src/util/safe-regex.js';
import { loadConfig, resolveConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { cpuMs } from '../helpers/cpu-time.js';

const HEX = 'f3a9c1e07b2d48d6a5c4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2';
const R = REDACTED;

/** [input, expected] — the key stays, the value goes. */
const TABLE: [string, string][] = [
  // Jenkins agent: -secret <hex>, -secret=<hex>, -secret @file (a path, kept)
  [
    `java -jar agent.jar -jnlpUrl http://ci:8080/computer/a1/jenkins-agent.jnlp -secret ${HEX} -workDir /home/jenkins`,
    `java -jar agent.jar -jnlpUrl http://ci:8080/computer/a1/jenkins-agent.jnlp -secret ${R} -workDir /home/jenkins`,
  ],
  [`java -jar agent.jar -secret=${HEX}`, `java -jar agent.jar -secret=${R}`],
  [`java -jar agent.jar --secret ${HEX} -name a1`, `java -jar agent.jar --secret ${R} -name a1`],
  [
    'java -jar agent.jar -secret @/var/lib/jenkins/secret-file -name a1',
    'java -jar agent.jar -secret @/var/lib/jenkins/secret-file -name a1',
  ],
  [`java -jar agent.jar -secret\t${HEX}`, `java -jar agent.jar -secret\t${R}`],
  // -D system properties
  ['java -Dhudson.security.password=hunter2 -jar jenkins.war', `java -Dhudson.security.password=${R} -jar jenkins.war`],
  ['java -Dfoo.token=abc123 -Dfoo.tokenFile=/etc/t -Dbar=1', `java -Dfoo.token=${R} -Dfoo.tokenFile=/etc/t -Dbar=1`],
  [
    'java -Djavax.net.ssl.keyStorePassword=changeit -cp x Main',
    `java -Djavax.net.ssl.keyStorePassword=${R} -cp x Main`,
  ],
  ['-Dcasc.client_secret="two words" next', `-Dcasc.client_secret=${R} next`],
  // long options, = and space forms
  ['git-credential --password=s3cr3t --user bob', `git-credential --password=${R} --user bob`],
  ['tool --token abc.def.ghi --verbose', `tool --token ${R} --verbose`],
  ['tool --secret=x --api-key=y --apikey z', `tool --secret=${R} --api-key=${R} --apikey ${R}`],
  ['jenkins-cli -auth alice:11aa22bb33cc -s http://ci/', `jenkins-cli -auth ${R} -s http://ci/`],
  ['tool --password --other', 'tool --password --other'],
  // key=value pairs, query strings, env-style
  ['password=hunter2 token=t0k secret=s apikey=k', `password=${R} token=${R} secret=${R} apikey=${R}`],
  ['https://ci/job/x/build?token=abc123&delay=0', `https://ci/job/x/build?token=${R}&delay=0`],
  ['GITHUB_TOKEN=ghp_abc DB_PASSWORD=pw', `GITHUB_TOKEN=${R} DB_PASSWORD=${R}`],
  // URL userinfo
  ['git clone https://alice:pa55@git.example.org/repo.git', `git clone https://alice:${R}@git.example.org/repo.git`],
  ['fetch https://ghp_0123456789abcdef@github.com/o/r', `fetch https://${R}@github.com/o/r`],
  ['proxy=http://u:p@proxy:3128', `proxy=http://u:${R}@proxy:3128`],
  // headers
  ['curl -H Authorization: Bearer abc.def', `curl -H Authorization: Bearer ${R}`],
  // nothing to redact: unchanged
  [
    'java -jar /usr/share/jenkins/jenkins.war --httpPort=8080',
    'java -jar /usr/share/jenkins/jenkins.war --httpPort=8080',
  ],
  [
    'missing bearer token: send "Authorization: Bearer <token>"',
    'missing bearer token: send "Authorization: Bearer <token>"',
  ],
  [
    'tokens_seen=3 password_file=/etc/pw --token-file /run/t',
    'tokens_seen=3 password_file=/etc/pw --token-file /run/t',
  ],
  ['', ''],
];

test('built-in rules: the key stays, the value is replaced', () => {
  const r = createRedactor();
  for (const [input, expected] of TABLE) assert.equal(r.text(input), expected, input);
});

test('redaction is idempotent', () => {
  const r = createRedactor();
  for (const [input] of TABLE) assert.equal(r.text(r.text(input)), r.text(input), input);
});

test('operator patterns (RE2) replace the whole match', () => {
  const r = createRedactor([compileSafeRegex('ghp_[A-Za-z0-9]{8,}'), compileSafeRegex('(?i)x-internal-[0-9]+')]);
  assert.equal(r.text('token is ghp_abcdef123456 and X-Internal-42 here'), `token is ${R} and ${R} here`);
  assert.equal(r.text(`-secret ${HEX}`), `-secret ${R}`, 'built-ins still apply');
});

test('deep: every string of a JSON value, keys and non-strings untouched, input not mutated', () => {
  const r = createRedactor();
  const input = {
    pid: 1,
    cmdline: `java -secret ${HEX}`,
    list: [`--token=a`, 2, null],
    nested: { url: 'https://u:p@h/' },
    ok: true,
  };
  const out = r.deep(input);
  assert.deepEqual(out, {
    pid: 1,
    cmdline: `java -secret ${R}`,
    list: [`--token=${R}`, 2, null],
    nested: { url: `https://u:${R}@h/` },
    ok: true,
  });
  assert.equal(input.cmdline, `java -secret ${HEX}`);
});

test('input is bounded: past MAX_SCANNED_CHARS it is cut, never passed on unscanned', () => {
  const r = createRedactor();
  const long = `${'a '.repeat(MAX_SCANNED_CHARS / 2)}-secret ${HEX}`;
  const out = r.text(long);
  assert.ok(!out.includes(HEX));
  assert.ok(out.endsWith(CUT_MARK));
});

test('linear time on adversarial input (every rule, 512 KiB)', () => {
  const r = createRedactor([compileSafeRegex('(a+)+$')]);
  const inputs = [
    `${'-'.repeat(200_000)}password`,
    `${'a.'.repeat(200_000)}=`,
    `${'x://'.repeat(100_000)}`,
    `${'-secret '.repeat(50_000)}`,
    `${'authorization: bearer '.repeat(20_000)}`,
    `${'a'.repeat(400_000)}!`,
  ];
  for (const s of inputs) {
    const { ms } = cpuMs(() => r.text(s));
    assert.ok(ms < 500, `${s.slice(0, 20)}…: ${ms.toFixed(0)} ms of CPU`);
  }
});

test('redact.patterns: compiled at load (RE2), a refused pattern names its key; the env var works', () => {
  const cfg = resolveConfig({ redact: { patterns: ['ghp_[A-Za-z0-9]{8,}'] } }, 'test');
  assert.equal(createRedactor(cfg.redact.patterns).text('x ghp_abcdefgh12'), `x ${R}`);
  assert.throws(
    () => resolveConfig({ redact: { patterns: ['ok', '(a)\\1'] } }, 'test'),
    (e: unknown) => e instanceof ConfigError && e.key === 'redact.patterns[1]',
  );
  assert.throws(() => resolveConfig({ redact: { patterns: [''] } }, 'test'), ConfigError);
  const fromEnv = loadConfig({ env: { FORKWATCH_REDACT_PATTERNS: '["tok_[0-9]+"]' } });
  assert.deepEqual(
    fromEnv.redact.patterns.map((p) => p.source),
    ['tok_[0-9]+'],
  );
});
