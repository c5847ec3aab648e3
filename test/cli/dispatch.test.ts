/** The dispatcher: usage, unknown commands, --version; each subcommand's own tests live beside this file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/native-build.js';
import { CLI_ARGS } from '../helpers/cli-command.js';

function forkwatch(...args: string[]) {
  const r = spawnSync(process.execPath, [...CLI_ARGS, ...args], {
    encoding: 'utf8',
    env: { ...process.env, FORKWATCH_CONFIG: '' },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('no command: usage on stdout, exit 64 (EX_USAGE); --help: exit 0', () => {
  const none = forkwatch();
  assert.equal(none.status, 64);
  for (const cmd of ['run', 'scan', 'classify', 'bundle', 'audit', 'doctor', 'demo', 'check-config'])
    assert.match(none.stdout, new RegExp(`^  ${cmd} `, 'm'));
  assert.equal(forkwatch('--help').status, 0);
});

test('an unknown command names itself, exit 64', () => {
  const r = forkwatch('scna');
  assert.equal(r.status, 64);
  assert.match(r.stderr, /unknown command "scna"/);
});

test('--version prints package.json version', () => {
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = forkwatch('--version');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), version);
});
