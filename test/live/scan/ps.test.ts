/**
 * Live: the ps source (as on illumos, here with procps) against the suite's
 * deadlocked C program. ps shows no wait channel, so every old never-exec'd
 * child that is not running is a suspect; exec'd and zombie never are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createScanner } from '../../../src/stages/scanner.js';
import { resolveConfig } from '../../../src/config/load.js';
import { startDeadlocker } from '../../helpers/deadlocker.js';
import { requireTool } from '../../helpers/native-build.js';

test('live: ps source finds the hung children; without ptree every scan is a full listing', async () => {
  requireTool('gcc');
  requireTool('ps');
  const d = await startDeadlocker({ hung: 2, exec: true, sleeper: true, zombie: true });
  try {
    await new Promise((r) => setTimeout(r, 2200)); // etime has 1 s resolution
    const config = resolveConfig({
      targets: [{ name: 'dl', pid: d.pid }],
      hungAfter: '1s',
      source: 'ps',
      tools: { ptree: '/nonexistent/ptree' },
    });
    const scanner = createScanner(config, { platform: 'linux' });
    assert.equal(scanner.kind, 'ps');
    for (let i = 0; i < 2; i++) {
      const r = await scanner.scan();
      assert.equal(r.stats.mode, 'full');
      assert.deepEqual(
        r.targets.map((t) => t.process.pid),
        [d.pid],
      );
      const cls = Object.fromEntries(r.children.map((c) => [c.child.pid, c.classification]));
      for (const pid of [...d.pidsOf('hung'), ...d.pidsOf('sleeper')]) assert.equal(cls[pid], 'never-execed');
      assert.equal(cls[d.pidsOf('exec')[0]!], 'execed');
      assert.equal(cls[d.pidsOf('zombie')[0]!], 'zombie');
      const overdue = r.children
        .filter((c) => c.overdue)
        .map((c) => c.child.pid)
        .sort((a, b) => a - b);
      assert.deepEqual(
        overdue,
        [...d.pidsOf('hung'), ...d.pidsOf('sleeper')].sort((a, b) => a - b),
      );
    }
  } finally {
    await d.stop();
  }
});
