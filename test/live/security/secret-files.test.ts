/**
 * Secret files are held to what OpenSSH demands of a private key, and the
 * secrets themselves must be usable: real `forkwatch check-config` runs,
 * exit 78 naming the key, the file and its mode (docs/security.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync } from 'node:fs';
import { tempDir } from '../../security/config-reads-cli.js';
import { TOKEN, assertRefused, checkConfig, secretFile } from '../../security/secret-files-support.js';

const NOBODY = 65534;

test('a secret file owned by another (non-root) user is refused: that user could rewrite it', (t) => {
  assert.equal(process.getuid?.(), 0, 'this test chowns a file to nobody and must run as root (CI does)');
  const dir = tempDir(t);
  const token = secretFile(dir, 'token', `${TOKEN}\n`, 0o600);
  chownSync(token, NOBODY, NOBODY);
  assertRefused(
    checkConfig({ FORKWATCH_AUTH_TOKEN_FILE: token }),
    /auth\.tokenFile/,
    new RegExp(`owned by .*not uid ${NOBODY}`),
  );
});
