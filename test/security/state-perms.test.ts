/**
 * The stateDir holds production JVMs' stacks, command lines and evidence: it
 * is private whatever the umask. The real daemon (`node dist/cli/index.js run`)
 * started under `umask 022` (npm start, a container) creates a 0700 dir and
 * 0600 files; an existing loose one is fixed at start, with a warning naming
 * each change; a stateDir owned by another user, or on /proc or /sys, is
 * refused (exit 73) at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir } from './config-reads-cli.js';
import { writeConfig } from './state-perms-config.js';

test('a stateDir on /proc or /sys is refused at once (73), naming the file system', (t) => {
  const dir = tempDir(t);
  const rows: [string, RegExp][] = [
    ['/proc/forkwatch', /on proc, a kernel pseudo file system/],
    ['/proc/self/fd', /on proc/],
    ['/sys/kernel/forkwatch', /on sys/],
    ['/sys/fs/cgroup/forkwatch', /on sys/],
  ];
  for (const [stateDir, why] of rows) {
    const r = runCli(['run', '--config', writeConfig(dir, stateDir)], { budgetMs: 20_000 });
    assert.equal(r.status, 73, `${stateDir}: ${r.stderr}`);
    assert.match(r.stderr, why, stateDir);
    assert.match(r.stderr, /reason: pseudo-fs/);
    t.diagnostic(`stateDir ${stateDir}: exit 73 in ${Math.round(r.ms)} ms`);
  }
});
