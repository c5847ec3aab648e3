/** `doctor` is registered: listed in the usage, --help exits 0, an unknown option exits 78 naming it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/native-build.js';

const cli = (args: string[]) =>
  spawnSync(process.execPath, [join(REPO_ROOT, 'dist/cli/index.js'), ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH },
  });

test('forkwatch doctor: in the usage, --help, a bad option', () => {
  assert.match(cli(['--help']).stdout, /^ {2}doctor {8}check this host/m);
  const help = cli(['doctor', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--send-test/);
  const bad = cli(['doctor', '--no-such']);
  assert.equal(bad.status, 78);
  assert.match(bad.stderr, /forkwatch doctor.*--no-such/);
});
