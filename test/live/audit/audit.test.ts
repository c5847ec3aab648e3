/**
 * auditProcess on real processes of this host (/proc, files only): what
 * leaves is redacted, a process that is gone is "cannot tell", and nothing
 * of the environment but the audited variables is kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { auditProcess } from '../../../src/audit/index.js';
import { RULES } from '../../audit/audit-rules.js';

test('evidence read from the process is redacted; other environment values never appear', async () => {
  const proc = spawn('sh', ['-c', 'sleep 10; :', 'sh', '--password=hunter2-4711'], {
    env: { PATH: process.env.PATH, LD_PRELOAD: '', API_TOKEN: 'tok-4711' },
    stdio: 'ignore',
  });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const r = await auditProcess('probe', proc.pid!, RULES);
    assert.equal(r.risk, 'low', JSON.stringify(r));
    assert.deepEqual(
      r.reasons.map((x) => x.rule),
      ['any-argument'],
    ); // LD_PRELOAD empty: not set
    assert.equal(r.reasons[0]!.evidence.text, 'argument: --password=<redacted>');
    assert.ok(!JSON.stringify(r).includes('4711'));
  } finally {
    proc.kill('SIGKILL');
  }
});
