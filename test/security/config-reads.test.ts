/**
 * Every file the operator names is read by one bounded reader: /dev/zero, a
 * FIFO nobody writes, a directory or an oversized file is refused at once
 * (exit 78, naming the key, the path and what is wrong) by the real
 * `check-config`, `classify` and `run`, each under a time budget. Before
 * issue 12, `auth.tokenFile: /dev/zero` grew to 3.7 GB in 6 s and a FIFO hung.
 */
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './config-reads-cli.js';
import { assertRefused } from './config-reads-assert.js';

test('forkwatch run with signatures.paths: [/dev/zero] exits 78 at once', (t) => {
  const dir = tempDir(t);
  const config = join(dir, 'f.yml');
  writeFileSync(
    config,
    `stateDir: ${join(dir, 'state')}\nlisten: { host: 127.0.0.1, port: 0 }\nsignatures: { paths: [/dev/zero] }\nlog: { level: silent }\n`,
  );
  const r = runCli(['run', '--config', config]);
  assertRefused('run signatures.paths /dev/zero', r, /signatures\.paths/, /\/dev\/zero/, /character device/);
});
