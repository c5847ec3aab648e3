/**
 * Secret files are held to what OpenSSH demands of a private key, and the
 * secrets themselves must be usable: real `forkwatch check-config` runs,
 * exit 78 naming the key, the file and its mode (docs/security.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './config-reads-cli.js';
import { TOKEN, assertRefused, checkConfig, secretFile } from './secret-files-support.js';
import { main as checkConfigMain } from '../../src/cli/check-config.js';
import { runMainHere } from '../helpers/cli-command.js';

/**
 * `forkwatch check-config --json` in this process (runMainHere: the same main, the same environment, 78 and
 * stderr as src/cli/index.ts maps them) for the validation cases, about 30 of them: a process each cost ~15 s of CPU.
 * The first two tests run the real process for the exit status and output.
 */
const checkConfigHere = (env: NodeJS.ProcessEnv) => runMainHere(checkConfigMain, ['--json'], env);

const HOOK = 'https://hooks.slack.example/services/T000/B000/XXXX';
test('a token file or webhook file readable by group or others is refused (78), naming the key, the file and its mode', async (t) => {
  const dir = tempDir(t);
  const token = secretFile(dir, 'token', `${TOKEN}\n`, 0o644);
  assertRefused(
    checkConfig({ FORKWATCH_AUTH_TOKEN_FILE: token }),
    /auth\.tokenFile/,
    new RegExp(`"${token}"`),
    /mode 0644/,
    /group or others/,
  );
  const hook = secretFile(dir, 'hook', `${HOOK}\n`, 0o666);
  assertRefused(
    checkConfig({ FORKWATCH_ALERTS_SLACK_WEBHOOK_URL_FILE: hook }),
    /alerts\.slack\.webhookUrlFile/,
    new RegExp(`"${hook}"`),
    /mode 0666/,
  );
  // The other modes in this process: the two real processes above checked the exit status and the output.
  for (const mode of [0o640, 0o604, 0o620, 0o602]) {
    chmodSync(token, mode);
    assertRefused(
      await checkConfigHere({ FORKWATCH_AUTH_TOKEN_FILE: token }),
      /auth\.tokenFile/,
      new RegExp(`mode 0${mode.toString(8)}`),
    );
  }
});

test('0600 and 0400 secret files are accepted, and check-config shows neither secret', (t) => {
  const dir = tempDir(t);
  const token = secretFile(dir, 'token', `${TOKEN}\n`, 0o600);
  const hook = secretFile(dir, 'hook', `${HOOK}\n`, 0o400);
  const r = checkConfig({ FORKWATCH_AUTH_TOKEN_FILE: token, FORKWATCH_ALERTS_SLACK_WEBHOOK_URL_FILE: hook });
  assert.equal(r.status, 0, r.stderr);
  const cfg = JSON.parse(r.stdout) as { authToken: string; alerts: { slack: { webhookUrl: string } } };
  assert.equal(cfg.authToken, '<redacted>');
  assert.equal(cfg.alerts.slack.webhookUrl, '<redacted>');
  assert.ok(!r.stdout.includes(TOKEN) && !r.stdout.includes('hooks.slack.example'));
});

test('systemd LoadCredential= under DynamicUser (0440: the ACL mask in the group bits) is accepted only inside $CREDENTIALS_DIRECTORY', async (t) => {
  const dir = tempDir(t);
  const creds = join(dir, 'credentials');
  mkdirSync(creds, { mode: 0o700 });
  const token = secretFile(creds, 'token', `${TOKEN}\n`, 0o440);
  assert.equal((await checkConfigHere({ FORKWATCH_AUTH_TOKEN_FILE: token, CREDENTIALS_DIRECTORY: creds })).status, 0);
  assertRefused(await checkConfigHere({ FORKWATCH_AUTH_TOKEN_FILE: token }), /mode 0440/);
  chmodSync(token, 0o444);
  assertRefused(await checkConfigHere({ FORKWATCH_AUTH_TOKEN_FILE: token, CREDENTIALS_DIRECTORY: creds }), /mode 0444/);
});

test('the webhook must be an https:// URL (http:// only to loopback), from a file or inline', async (t) => {
  const dir = tempDir(t);
  const refused: [string, RegExp][] = [
    ['not a url at all', /an https:\/\/ URL/],
    ['http://hooks.slack.example/services/T0/B0/X', /http:\/\/ to hooks\.slack\.example/],
    ['ftp://hooks.slack.example/x', /a ftp: URL/],
    ['https://hooks.slack.example/a b', /an https:\/\/ URL/],
  ];
  for (const [text, why] of refused) {
    const hook = secretFile(dir, 'hook', `${text}\n`, 0o600);
    assertRefused(
      await checkConfigHere({ FORKWATCH_ALERTS_SLACK_WEBHOOK_URL_FILE: hook }),
      /alerts\.slack\.webhookUrlFile/,
      why,
    );
  }
  const inline = await checkConfigHere({
    FORKWATCH_ALERTS_SLACK_WEBHOOK_URL: 'http://hooks.slack.example/services/T0/B0/X',
  });
  assertRefused(inline, /alerts\.slack\.webhookUrl = "<redacted>"/, /http:\/\/ to hooks\.slack\.example/);
  assert.ok(!inline.stderr.includes('/services/T0'), 'the refused webhook URL is not printed');
  for (const ok of ['http://127.0.0.1:9/hook', 'http://localhost:9/hook', 'http://[::1]:9/hook', HOOK]) {
    const hook = secretFile(dir, 'hook', `${ok}\n`, 0o600);
    assert.equal((await checkConfigHere({ FORKWATCH_ALERTS_SLACK_WEBHOOK_URL_FILE: hook })).status, 0, ok);
  }
});

test('a token must be presentable: printable, no whitespace inside, 16+ characters; the refusal never prints it', async (t) => {
  const dir = tempDir(t);
  const spaced = 'two words-0123456789abcdef';
  assertRefused(
    await checkConfigHere({ FORKWATCH_AUTH_TOKEN_FILE: secretFile(dir, 'token', `${spaced}\n`, 0o600) }),
    /auth\.tokenFile/,
    /printable ASCII characters with no spaces/,
  );
  const inline = await checkConfigHere({ FORKWATCH_AUTH_TOKEN: spaced });
  assertRefused(inline, /auth\.token = "<redacted>"/, /no spaces/);
  assert.ok(!inline.stderr.includes('two words'), 'the refused token is not printed');
  assertRefused(
    await checkConfigHere({ FORKWATCH_AUTH_TOKEN_FILE: secretFile(dir, 'token', 'tab\there-0123456789abcdef', 0o600) }),
    /no spaces/,
  );
  assertRefused(
    await checkConfigHere({ FORKWATCH_AUTH_TOKEN_FILE: secretFile(dir, 'token', 'é-0123456789abcdefghij', 0o600) }),
    /printable ASCII/,
  );
  assertRefused(
    await checkConfigHere({ FORKWATCH_AUTH_TOKEN_FILE: secretFile(dir, 'token', 'short-token\n', 0o600) }),
    /at least 16 characters/,
  );
  assert.equal(
    (await checkConfigHere({ FORKWATCH_AUTH_TOKEN_FILE: secretFile(dir, 'token', `  ${TOKEN}\r\n`, 0o600) })).status,
    0,
    'surrounding whitespace is trimmed',
  );
});
