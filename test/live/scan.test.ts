/**
 * Live: the real CLI, as a process, against the suite's deadlocked C program
 * and its decoys. Exactly the hung children are overdue; the busy, sleeping
 * and accepting forked workers are never-exec'd with their real state but not
 * overdue; the exec'd child and the zombie are never flagged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startDeadlocker } from '../helpers/deadlocker.js';
import { REPO_ROOT, requireTool } from '../helpers/native-build.js';

const CLI = ['--import', 'tsx', join(REPO_ROOT, 'src/cli.ts'), 'scan'];

interface Child {
  child: { pid: number; stateCode: string; threads: number; wchan: string | null };
  classification: string;
  overdue: boolean;
  activity: string;
}

function writeConfig(dir: string, pid: number): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(path, `targets:\n  - name: deadlocker\n    pid: ${pid}\nhungAfter: 1s\ninterval: 1s\nsource: procfs\n`);
  return path;
}

test('live: forkwatch scan --json lists exactly the hung children as overdue', async () => {
  requireTool('gcc');
  const d = await startDeadlocker({ hung: 2, exec: true, busy: true, sleeper: true, accepter: true, zombie: true });
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-live-'));
  try {
    await new Promise((r) => setTimeout(r, 1500)); // older than hungAfter
    const r = spawnSync(process.execPath, [...CLI, '--json', '--config', writeConfig(dir, d.pid)], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, `exit 1 expected: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as { targets: { process: { pid: number } }[]; children: Child[]; stats: { vanished: number } };
    assert.deepEqual(report.targets.map((t) => t.process.pid), [d.pid]);
    const byPid = new Map(report.children.map((c) => [c.child.pid, c]));
    const overdue = report.children.filter((c) => c.overdue).map((c) => c.child.pid).sort((a, b) => a - b);
    assert.deepEqual(overdue, d.pidsOf('hung').sort((a, b) => a - b));
    for (const pid of d.pidsOf('hung')) {
      const c = byPid.get(pid)!;
      assert.equal(c.classification, 'never-execed');
      assert.equal(c.child.threads, 1);
      assert.equal(c.activity, 'lock-wait');
      assert.match(c.child.wchan ?? '', /futex/);
    }
    for (const role of ['busy', 'sleeper', 'accepter'] as const) {
      const c = byPid.get(d.pidsOf(role)[0]!)!;
      assert.ok(c, `${role} listed`);
      assert.equal(c.classification, 'never-execed', role);
      assert.equal(c.overdue, false, role);
      assert.notEqual(c.activity, 'lock-wait', role);
      assert.match(c.child.stateCode, /^[RS]$/, `${role}: its real state`);
    }
    assert.equal(byPid.get(d.pidsOf('accepter')[0]!)!.child.wchan, 'inet_csk_accept');
    assert.equal(byPid.get(d.pidsOf('exec')[0]!)!.classification, 'execed');
    assert.equal(byPid.get(d.pidsOf('zombie')[0]!)!.classification, 'zombie');
    assert.equal(report.children.length, d.children.length, 'nothing else');
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('live: --watch scans every interval, steady state targeted; a dead target exits 3', async () => {
  requireTool('gcc');
  const d = await startDeadlocker({ hung: 1, sleeper: true });
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-live-'));
  const config = writeConfig(dir, d.pid);
  const watcher = spawn(process.execPath, [...CLI, '--json', '--watch', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const lines: { stats: { mode: string }; children: Child[] }[] = [];
    const rl = createInterface({ input: watcher.stdout! });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${lines.length} scans in 30 s`)), 30_000);
      rl.on('line', (l) => {
        lines.push(JSON.parse(l));
        if (lines.length === 3) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    assert.equal(lines[0]!.stats.mode, 'full');
    assert.equal(lines[2]!.stats.mode, 'targeted');
    assert.deepEqual(lines[2]!.children.filter((c) => c.overdue).map((c) => c.child.pid), d.pidsOf('hung'));
    const exited = new Promise<number | null>((r) => watcher.once('exit', (code) => r(code)));
    watcher.kill('SIGTERM');
    assert.equal(await exited, 1, 'last status: overdue');
  } finally {
    if (watcher.exitCode === null) watcher.kill('SIGKILL');
    await d.stop();
  }
  try {
    const r = spawnSync(process.execPath, [...CLI, '--config', config], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 3, 'target gone: cannot tell');
    assert.match(r.stdout, /not found: deadlocker/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
