/** Every route through app.inject(): success and error shapes, auth, validation, pagination, extensions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '../../helpers/native-build.js';
import { setup } from '../../expose/server-setup.js';

test('GET /metrics: Prometheus text that promtool accepts, with the build info and scan counters', async (t) => {
  const { app, daemon } = await setup(t);
  await daemon.runScan();
  const res = await app.inject('/metrics');
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
  assert.match(res.body, /^forkwatch_build_info\{version="[^"]+",node_version="v20/m);
  assert.match(res.body, /^forkwatch_scans_total\{outcome="ok"\} 1$/m);
  assert.match(res.body, /^forkwatch_hung_children\{target="jenkins",signature="atfork-mutex"\} 1$/m);
  assert.match(res.body, /^forkwatch_children\{target="jenkins",classification="zombie"\} 1$/m);
  assert.match(res.body, /^process_resident_memory_bytes \d+/m);
  assert.doesNotMatch(res.body, /nodejs_eventloop_lag/);
  requireTool('promtool', ['--version']);
  const dir = mkdtempSync(join(tmpdir(), 'fw-promtool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'm.txt'), res.body);
  const out = execFileSync('sh', ['-c', `promtool check metrics < ${join(dir, 'm.txt')} 2>&1; echo "rc=$?"`], {
    encoding: 'utf8',
  });
  assert.equal(out.trim(), 'rc=0', `promtool complained:\n${out}`);
});
