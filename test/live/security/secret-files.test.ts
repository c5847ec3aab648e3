/**
 * Secret files are held to what OpenSSH demands of a private key, and the
 * secrets themselves must be usable: real `forkwatch check-config` runs,
 * exit 78 naming the key, the file and its mode (docs/security.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EX_CONFIG } from '../../../src/config/errors.js';
import { runCli, tempDir } from '../../security/config-reads-cli.js';

const TOKEN = 'secret-files-test-token-0123456789';
const NOBODY = 65534;

/** Writes `text` to dir/name with exactly `mode` (chmod after: the umask does not decide). */
function secretFile(dir: string, name: string, text: string, mode: number): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

function checkConfig(env: NodeJS.ProcessEnv): ReturnType<typeof runCli> {
  return runCli(['check-config', '--json'], { env });
}

function assertRefused(r: ReturnType<typeof runCli>, ...mentions: RegExp[]): void {
  assert.equal(r.status, EX_CONFIG, `exit ${r.status}; stderr: ${r.stderr}`);
  for (const m of mentions) assert.match(r.stderr, m);
}

test('a secret file owned by another (non-root) user is refused: that user could rewrite it', (t) => {
  assert.equal(process.getuid?.(), 0, 'this test chowns a file to nobody and must run as root (CI does)');
  const dir = tempDir(t);
  const token = secretFile(dir, 'token', `${TOKEN}\n`, 0o600);
  chownSync(token, NOBODY, NOBODY);
  assertRefused(checkConfig({ FORKWATCH_AUTH_TOKEN_FILE: token }), /auth\.tokenFile/, new RegExp(`owned by .*not uid ${NOBODY}`));
});
