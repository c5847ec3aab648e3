import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DAEMON_ENV,
  DAEMON_NODE_FLAGS,
  daemonEnvWords,
  missingDaemonEnv,
  missingNodeFlags,
} from '../../src/daemon/node-flags.js';
import { REPO_ROOT } from '../helpers/native-build.js';
import { describeResult, runTool } from '../deploy/support.js';

test('missingNodeFlags: none missing on the command line, in NODE_OPTIONS, or spelled with underscores', () => {
  assert.deepEqual(missingNodeFlags(DAEMON_NODE_FLAGS, undefined), []);
  // node refuses the bytecode flags in NODE_OPTIONS: they stay on the command line.
  const cmdlineOnly = [
    '--bytecode-old-age=1',
    '--flush-baseline-code',
    '--heap-growing-percent=25',
    '--no-allocation-site-pretenuring',
  ];
  assert.deepEqual(missingNodeFlags(cmdlineOnly, '--v8-pool-size=1  --max-semi-space-size=1 --expose-gc'), []);
  assert.deepEqual(
    missingNodeFlags(
      [
        '--v8-pool-size=1',
        '--expose_gc',
        '--bytecode_old_age=1',
        '--flush_baseline_code',
        '--heap_growing_percent=25',
        '--no_allocation_site_pretenuring',
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
    ['--v8-pool-size=1', '--bytecode-old-age=1', '--heap-growing-percent=25', '--no-allocation-site-pretenuring'],
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
  assert.equal(
    pkg.scripts.start,
    `npm run build && ${daemonEnvWords().join(' ')} node ${DAEMON_NODE_FLAGS.join(' ')} dist/cli/index.js run`,
  );
});

test('missingDaemonEnv: names each absent or different entry as NAME=value', () => {
  assert.deepEqual(missingDaemonEnv({ ...DAEMON_ENV }), []);
  assert.deepEqual(missingDaemonEnv({}), daemonEnvWords());
  assert.deepEqual(missingDaemonEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }), daemonEnvWords());
  assert.ok(
    daemonEnvWords().every((w) => /^[A-Z_]+=\S+$/.test(w)),
    'one shell word each (no quoting needed)',
  );
});

test('the tunables are ones this glibc knows: a child started with them reports them back', () => {
  // ld.so --list-tunables prints each tunable with its value; an unknown or misspelt one is silently ignored by glibc.
  const r = runTool('/lib64/ld-linux-x86-64.so.2', ['--list-tunables'], { env: { ...process.env, ...DAEMON_ENV } });
  assert.equal(r.status, 0, describeResult(r));
  // trim_threshold lists 0x0 when unset (glibc then starts at 128 KiB and moves it); top_pad lists 0x0 set or not.
  assert.match(r.stdout, /^glibc\.malloc\.trim_threshold: 0x10000 /m);
  assert.match(r.stdout, /^glibc\.malloc\.top_pad: /m);
});
