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
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { CLI, runCli, tempDir } from '../../security/config-reads-cli.js';
import { REPO_ROOT } from '../../helpers/native-build.js';
import { writeConfig } from '../../security/state-perms-config.js';

const NOBODY = 65534;
const READY_MS = 30_000;

interface Started {
  pid: number;
  logs(): Record<string, unknown>[];
  stop(): Promise<number | null>;
}

/** `sh -c 'umask 022; exec node dist/cli/index.js run --config FILE'`: the umask of `npm start` or a container. */
async function runDaemonUnderUmask022(config: string, logFile: string): Promise<Started> {
  const fd = openSync(logFile, 'a');
  const proc = spawn('sh', ['-c', 'umask 022; exec "$@"', 'sh', process.execPath, CLI, 'run', '--config', config], {
    cwd: REPO_ROOT,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, FORKWATCH_CONFIG: '', NODE_OPTIONS: '' },
  });
  closeSync(fd);
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const logs = () =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    return exited;
  };
  const deadline = Date.now() + READY_MS;
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(`forkwatch run exited ${proc.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    const api = logs().find((r) => typeof r.msg === 'string' && r.msg.startsWith('forkwatch API on'));
    const listen = api?.listen as { host: string; port: number } | undefined;
    if (
      listen &&
      (await fetch(`http://${listen.host}:${listen.port}/healthz`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      return { pid: proc.pid!, logs, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`forkwatch run not healthy within ${READY_MS} ms: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every entry under dir (dir included), with its mode, one level of subfolders deep. */
function modesUnder(dir: string): Map<string, { mode: number; kind: string }> {
  const out = new Map<string, { mode: number; kind: string }>();
  const add = (p: string) => {
    const st = lstatSync(p);
    out.set(p, { mode: st.mode & 0o777, kind: st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other' });
    if (st.isDirectory()) for (const n of readdirSync(p)) if (p === dir || out.size < 1000) add(join(p, n));
  };
  add(dir);
  return out;
}

function assertPrivate(dir: string, expectFiles: string[]): void {
  const modes = modesUnder(dir);
  for (const name of expectFiles)
    assert.ok(modes.has(join(dir, name)), `${name} exists in stateDir: ${[...modes.keys()].join(', ')}`);
  for (const [path, { mode, kind }] of modes) {
    if (kind === 'dir') assert.equal(mode, 0o700, `${path}: dir mode ${mode.toString(8)}`);
    else assert.equal(mode, 0o600, `${path}: ${kind} mode ${mode.toString(8)}`);
  }
}

function umaskOf(pid: number): string {
  return /^Umask:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
}

test('forkwatch run under umask 022 creates a 0700 stateDir and 0600 files (db, -wal, -shm, lock)', async (t) => {
  const control = spawnSync('sh', ['-c', 'umask 022; exec cat /proc/self/status'], { encoding: 'utf8' });
  assert.match(control.stdout, /^Umask:\s*0022$/m, 'the launcher really hands umask 022 down');
  const dir = tempDir(t);
  const state = join(dir, 'state');
  const daemon = await runDaemonUnderUmask022(writeConfig(dir, state), join(dir, 'daemon.log'));
  try {
    assert.equal(umaskOf(daemon.pid), '0077', 'the daemon set its own umask');
    assertPrivate(state, ['forkwatch.db', 'forkwatch.db-wal', 'forkwatch.db-shm', 'forkwatch.lock']);
  } finally {
    assert.equal(await daemon.stop(), 0);
  }
  assertPrivate(state, ['forkwatch.db', 'forkwatch.lock']);
});

test('an existing 0755 stateDir with 0644 files (db, -wal, lock, cores/, others) is made private at start, each change logged', async (t) => {
  const dir = tempDir(t);
  const state = join(dir, 'state');
  const config = writeConfig(dir, state);
  const first = await runDaemonUnderUmask022(config, join(dir, 'first.log'));
  assert.equal(await first.stop(), 0);
  chmodSync(state, 0o755);
  for (const name of readdirSync(state)) chmodSync(join(state, name), 0o644);
  writeFileSync(join(state, 'forkwatch.db-wal'), '', { mode: 0o644 });
  chmodSync(join(state, 'forkwatch.db-wal'), 0o644);
  writeFileSync(join(state, 'notes.txt'), 'x');
  chmodSync(join(state, 'notes.txt'), 0o666);
  mkdirSync(join(state, 'cores'), { mode: 0o755 });
  chmodSync(join(state, 'cores'), 0o755);
  writeFileSync(join(state, 'cores', 'keep.txt'), 'core');
  chmodSync(join(state, 'cores', 'keep.txt'), 0o644);

  const second = await runDaemonUnderUmask022(config, join(dir, 'second.log'));
  try {
    assertPrivate(state, ['forkwatch.db', 'forkwatch.lock', 'notes.txt', 'cores', join('cores', 'keep.txt')]);
    const warned = second.logs().filter((r) => r.level === 40 && typeof r.path === 'string');
    const changed = new Map(warned.map((r) => [r.path as string, `${String(r.from)}→${String(r.to)}`]));
    assert.equal(changed.get(state), '0755→0700', JSON.stringify(warned));
    assert.equal(changed.get(join(state, 'forkwatch.db')), '0644→0600');
    assert.equal(changed.get(join(state, 'forkwatch.lock')), '0644→0600');
    assert.equal(changed.get(join(state, 'notes.txt')), '0666→0600');
    assert.equal(changed.get(join(state, 'cores')), '0755→0700');
    assert.equal(changed.get(join(state, 'cores', 'keep.txt')), '0644→0600');
    for (const r of warned) assert.match(String(r.msg), /readable by group or others: mode 0\d{3} changed to 0[67]00/);
  } finally {
    assert.equal(await second.stop(), 0);
  }
});

test('a stateDir owned by another (non-root) user is refused (73): fixing its mode would not make it ours', (t) => {
  assert.equal(process.getuid?.(), 0, 'this test chowns a folder to nobody and must run as root (CI does)');
  const dir = tempDir(t);
  const state = join(dir, 'state');
  mkdirSync(state, { mode: 0o700 });
  chownSync(state, NOBODY, NOBODY);
  const r = runCli(['run', '--config', writeConfig(dir, state)]);
  assert.equal(r.status, 73, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`state directory ${state} is owned by uid ${NOBODY}, not by forkwatch's user \\(uid 0\\)`),
  );
  assert.match(r.stderr, /reason: unsafe-permissions/);
});
