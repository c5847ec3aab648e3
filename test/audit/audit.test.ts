/**
 * auditProcess on real processes of this host (/proc, files only): what
 * leaves is redacted, a process that is gone is "cannot tell", and nothing
 * of the environment but the audited variables is kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { auditProcess } from '../../src/audit/index.js';
import { RULES } from './audit-rules.js';

test('a pid that is gone: risk null with a note', async () => {
  // A child of our own that has exited: node, not `true`, so no system tool is needed (a failed spawn has no pid).
  const run = spawnSync(process.execPath, ['-e', '']);
  assert.equal(run.status, 0, `node -e '' failed: ${run.error?.message ?? run.stderr}`);
  const gone = run.pid;
  const r = await auditProcess('gone', gone, RULES);
  assert.equal(r.risk, null);
  assert.match(r.notes[0]!, /could not be read/);
});
