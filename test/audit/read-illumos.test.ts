/**
 * The illumos path of auditProcess over the synthetic pldd and pargs
 * fixtures, through a stand-in for the bounded runner (no illumos host in
 * CI): only pldd and pargs run, with argument arrays, never the target's binary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditProcess, loadRules } from '../../src/audit/index.js';
import type { RunResult } from '../../src/util/run-program.js';
import { REPO_ROOT } from '../helpers/native-build.js';

const fixture = (name: string) => readFileSync(join(REPO_ROOT, 'test/audit/fixtures', name), 'utf8');

function ran(stdout: string, failed = false): RunResult {
  return {
    command: '',
    args: [],
    failed,
    timedOut: false,
    truncated: false,
    notFound: false,
    exitCode: failed ? 1 : 0,
    signal: null,
    stdout,
    stderr: '',
    durationMs: 1,
    cause: null,
  };
}

test('illumos (synthetic pldd, pargs): libpkcs11 and FORK + LD_PRELOAD rated high; only pldd and pargs were run', async () => {
  const calls: string[][] = [];
  const run = async (command: string, args: string[]) => {
    calls.push([command, ...args]);
    return ran(command.endsWith('pldd') ? fixture('pldd-synthetic.txt') : fixture('pargs-a-e-synthetic.txt'));
  };
  const r = await auditProcess('jenkins', 4242, loadRules().rules, { platform: 'illumos', run });
  assert.deepEqual(calls, [
    ['/usr/bin/pldd', '4242'],
    ['/usr/bin/pargs', '-a', '-e', '4242'],
  ]);
  assert.equal(r.risk, 'high');
  const ids = r.reasons.map((x) => x.rule);
  for (const id of ['illumos-libpkcs11', 'jdk-fork-with-preload', 'jdk-launch-mechanism-fork', 'ld-preload-set'])
    assert.ok(ids.includes(id), `${id} in ${ids}`);
  const pkcs = r.reasons.find((x) => x.rule === 'illumos-libpkcs11')!;
  assert.equal(pkcs.evidenceAll[1]!.text, 'mapped: /usr/lib/amd64/libpkcs11.so.1');
  // _JAVA_OPTIONS comes after the command line for the JVM: its value is the one named
  assert.equal(
    r.reasons.find((x) => x.rule === 'jdk-launch-mechanism-fork')!.evidence.text,
    'jdk.lang.Process.launchMechanism=FORK (_JAVA_OPTIONS)',
  );
  assert.ok(!JSON.stringify(r).includes('s3cr3t'));
});

test('illumos: pldd fails with no output → cannot tell', async () => {
  const r = await auditProcess('jenkins', 4242, loadRules().rules, {
    platform: 'illumos',
    run: async () => ran('', true),
  });
  assert.equal(r.risk, null);
});
