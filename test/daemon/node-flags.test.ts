import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAEMON_NODE_FLAGS, missingNodeFlags } from '../../src/daemon/node-flags.js';
import { REPO_ROOT } from '../helpers/native-build.js';

test('missingNodeFlags: none missing on the command line, in NODE_OPTIONS, or spelled with underscores', () => {
  assert.deepEqual(missingNodeFlags(DAEMON_NODE_FLAGS, undefined), []);
  // node refuses the bytecode flags in NODE_OPTIONS: they stay on the command line.
  const cmdlineOnly = [
    '--bytecode-old-age=1',
    '--flush-baseline-code',
    '--compact-on-every-full-gc',
    '--heap-growing-percent=50',
  ];
  assert.deepEqual(missingNodeFlags(cmdlineOnly, '--v8-pool-size=1  --max-semi-space-size=1 --expose-gc'), []);
  assert.deepEqual(
    missingNodeFlags(
      [
        '--v8-pool-size=1',
        '--expose_gc',
        '--bytecode_old_age=1',
        '--flush_baseline_code',
        '--compact_on_every_full_gc',
        '--heap_growing_percent=50',
      ],
      '--max_semi_space_size=1 --enable-source-maps',
    ),
    [],
  );
});

test('missingNodeFlags: names each absent or different flag', () => {
  assert.deepEqual(missingNodeFlags([], undefined), [...DAEMON_NODE_FLAGS]);
  assert.deepEqual(
    missingNodeFlags(
      ['--import', 'tsx', '--v8-pool-size=4', '--expose-gc', '--flush-baseline-code'],
      '--max-semi-space-size=1',
    ),
    ['--v8-pool-size=1', '--bytecode-old-age=1', '--compact-on-every-full-gc', '--heap-growing-percent=50'],
  );
  assert.deepEqual(
    missingNodeFlags(
      [...DAEMON_NODE_FLAGS.filter((f) => f !== '--bytecode-old-age=1'), '--bytecode-old-age=5'],
      undefined,
    ),
    ['--bytecode-old-age=1'],
  );
  assert.deepEqual(missingNodeFlags(['--max-semi-space-size=16'], ''), [...DAEMON_NODE_FLAGS]);
});

test('npm start runs the daemon with the flags (systemd, SMF, Docker: test/deploy)', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.start, `npm run build && node ${DAEMON_NODE_FLAGS.join(' ')} dist/cli/index.js run`);
});
