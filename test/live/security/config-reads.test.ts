/**
 * Every file the operator names is read by one bounded reader: /dev/zero, a
 * FIFO nobody writes, a directory or an oversized file is refused at once
 * (exit 78, naming the key, the path and what is wrong) by the real
 * `check-config`, `classify` and `run`, each under a time budget. Before
 * issue 12, `auth.tokenFile: /dev/zero` grew to 3.7 GB in 6 s and a FIFO hung.
 */
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../../security/config-reads-cli.js';
import { assertRefused } from '../../security/config-reads-assert.js';

function fifo(dir: string, name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', ['-m', '600', path]);
  return path;
}

test('--config and $FORKWATCH_CONFIG: /dev/zero, a FIFO, a directory, an oversized file → 78 at once', (t) => {
  const dir = tempDir(t);
  const pipe = fifo(dir, 'config.yml');
  const big = join(dir, 'big.yml');
  writeFileSync(big, `# ${'x'.repeat(1024 * 1024)}\n`);
  const rows: [string, string[], NodeJS.ProcessEnv, RegExp[]][] = [
    [
      '--config /dev/zero',
      ['check-config', '--config', '/dev/zero'],
      {},
      [/--config = "\/dev\/zero"/, /not a regular file \(a character device\)/],
    ],
    ['--config FIFO', ['check-config', '--config', pipe], {}, [/--config = ".*config\.yml"/, /a FIFO/]],
    [
      'FORKWATCH_CONFIG FIFO',
      ['check-config'],
      { FORKWATCH_CONFIG: pipe },
      [/FORKWATCH_CONFIG = ".*config\.yml"/, /a FIFO/],
    ],
    ['--config directory', ['check-config', '--config', dir], {}, [/a directory/]],
    [
      '--config oversized',
      ['check-config', '--config', big],
      {},
      [/--config = ".*big\.yml"/, /larger than 1048576 bytes/],
    ],
    ['run --config /dev/zero', ['run', '--config', '/dev/zero'], {}, [/--config = "\/dev\/zero"/, /character device/]],
  ];
  for (const [what, args, env, mentions] of rows) {
    const r = runCli(args, { env });
    assertRefused(what, r, ...mentions);
    t.diagnostic(`${what}: exit ${r.status} in ${Math.round(r.ms)} ms`);
  }
});

test('auth.tokenFile and alerts.slack.webhookUrlFile: /dev/zero, a FIFO, an oversized 0600 file → 78 at once', (t) => {
  const dir = tempDir(t);
  const pipe = fifo(dir, 'token');
  const big = join(dir, 'big-token');
  writeFileSync(big, 'x'.repeat(64 * 1024 + 1), { mode: 0o600 });
  const rows: [string, NodeJS.ProcessEnv, RegExp[]][] = [
    [
      'tokenFile /dev/zero',
      { FORKWATCH_AUTH_TOKEN_FILE: '/dev/zero' },
      [/auth\.tokenFile = "\/dev\/zero"/, /character device/],
    ],
    ['tokenFile FIFO', { FORKWATCH_AUTH_TOKEN_FILE: pipe }, [/auth\.tokenFile = ".*token"/, /a FIFO/]],
    [
      'tokenFile oversized',
      { FORKWATCH_AUTH_TOKEN_FILE: big },
      [/auth\.tokenFile = ".*big-token"/, /larger than 65536 bytes/],
    ],
    [
      'webhookUrlFile /dev/zero',
      { FORKWATCH_ALERTS_SLACK_WEBHOOK_URL_FILE: '/dev/zero' },
      [/alerts\.slack\.webhookUrlFile = "\/dev\/zero"/, /character device/],
    ],
    [
      'webhookUrlFile FIFO',
      { FORKWATCH_ALERTS_SLACK_WEBHOOK_URL_FILE: pipe },
      [/alerts\.slack\.webhookUrlFile/, /a FIFO/],
    ],
  ];
  for (const [what, env, mentions] of rows) {
    const r = runCli(['check-config'], { env });
    assertRefused(what, r, ...mentions);
    t.diagnostic(`${what}: exit ${r.status} in ${Math.round(r.ms)} ms`);
  }
});

test('signatures.paths and classify --signatures: /dev/zero, a FIFO (alone or in a folder), an oversized file → 78 at once', (t) => {
  const dir = tempDir(t);
  const pipe = fifo(dir, 'sigs.yaml');
  const folder = join(dir, 'folder');
  mkdirSync(folder);
  fifo(folder, 'a.yaml');
  const big = join(dir, 'big.yaml');
  writeFileSync(big, `# ${'x'.repeat(1024 * 1024)}\n`);
  const stack = 'PID 1 - process\nTID 1:\n#0  0x00007f0000001000 pthread_mutex_lock\n';
  for (const path of ['/dev/zero', pipe, folder, big]) {
    const why = path === big ? /larger than 1048576 bytes/ : path === '/dev/zero' ? /character device/ : /a FIFO/;
    const asConfig = runCli(['check-config'], { env: { FORKWATCH_SIGNATURES_PATHS: JSON.stringify([path]) } });
    assertRefused(`check-config signatures.paths ${path}`, asConfig, /signatures\.paths/, why);
    const asFlag = runCli(['classify', '--signatures', path, '-'], { input: stack });
    assertRefused(`classify --signatures ${path}`, asFlag, /signature file/, why);
    t.diagnostic(`${path}: check-config ${Math.round(asConfig.ms)} ms, classify ${Math.round(asFlag.ms)} ms`);
  }
});
