/**
 * Live: the real CLI as built (`node dist/cli/index.js scan`), as a process,
 * against the suite's deadlocked C program and its decoys, and against the
 * stand-in Jenkins JVM (FORK launch mechanism). Exactly the hung children are
 * overdue and confirmed (exit 2), each named by its signature; the busy,
 * sleeping and accepting forked workers are never-exec'd with their real
 * state but not overdue; the exec'd child and the zombie are never flagged.
 * `--no-capture` confirms by kernel proof alone. (Exit 1, a suspect
 * neither proof holds, is covered over fakes in test/cli/scan-confirm.test.ts:
 * on this host every overdue procfs child of the suite's programs is
 * provably blocked.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startDeadlocker } from '../../helpers/deadlocker.js';
import { startForkDeadlockJvm } from '../../helpers/jvm.js';
import { REPO_ROOT, requireTool } from '../../helpers/native-build.js';

const DIST_CLI = join(REPO_ROOT, 'dist/cli/index.js');
const CLI = [DIST_CLI, 'scan'];
/** The signature of the suite's hang (a lock taken in an atfork child handler), C program and JVM alike. */
const ATFORK_SIGNATURE = 'glibc-atfork-child-lock';

interface Confirmation {
  progressed: string | null;
  verdict: { by: 'signature' | 'kernel'; signatureId: string; signatureTitle: string } | null;
  kernel: { blocked: boolean; reasons: string[] } | null;
  capture: { backend: string; ok: boolean; durationMs: number; reason: string | null } | null;
  note: string | null;
}

interface Child {
  child: { pid: number; stateCode: string; threads: number; wchan: string | null };
  classification: string;
  overdue: boolean;
  activity: string;
  confirmation: Confirmation | null;
}

interface Report {
  targets: { process: { pid: number } }[];
  children: Child[];
  stats: { vanished: number; mode: string };
  exitStatus: number;
  confirmed: number;
  confirm: { mode: string; reason: string | null };
}

/** The tests run dist/: fail (not skip) when it is missing or older than a source file. */
function requireBuiltCli(): void {
  assert.ok(existsSync(DIST_CLI), 'dist/cli/index.js is missing: run `npm run build` first');
  const built = statSync(DIST_CLI).mtimeMs;
  const stale = readdirSync(join(REPO_ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .find((f) => statSync(join(REPO_ROOT, 'src', f)).mtimeMs > built);
  assert.equal(stale, undefined, `src/${stale} is newer than dist/cli/index.js: run \`npm run build\` first`);
}

function writeConfig(dir: string, pid: number, extra = 'source: procfs\n'): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(path, `targets:\n  - name: deadlocker\n    pid: ${pid}\nhungAfter: 1s\ninterval: 1s\n${extra}`);
  return path;
}

function scanJson(config: string, ...args: string[]): { status: number | null; report: Report; stderr: string } {
  const r = spawnSync(process.execPath, [...CLI, '--json', '--config', config, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.ok(r.stdout.startsWith('{'), `JSON expected (exit ${r.status}): ${r.stderr}`);
  return { status: r.status, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

test('live: forkwatch scan --json confirms exactly the hung children, each by its signature (exit 2)', async () => {
  requireBuiltCli();
  requireTool('gcc');
  requireTool('eu-stack');
  const d = await startDeadlocker({ hung: 2, exec: true, busy: true, sleeper: true, accepter: true, zombie: true });
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-live-'));
  try {
    await new Promise((r) => setTimeout(r, 1500)); // older than hungAfter
    const { status, report, stderr } = scanJson(writeConfig(dir, d.pid));
    assert.equal(status, 2, `exit 2 expected: ${stderr}`);
    assert.equal(report.exitStatus, 2);
    assert.equal(report.confirmed, 2);
    assert.equal(report.confirm.mode, 'capture');
    assert.deepEqual(
      report.targets.map((t) => t.process.pid),
      [d.pid],
    );
    const byPid = new Map(report.children.map((c) => [c.child.pid, c]));
    const overdue = report.children
      .filter((c) => c.overdue)
      .map((c) => c.child.pid)
      .sort((a, b) => a - b);
    assert.deepEqual(
      overdue,
      d.pidsOf('hung').sort((a, b) => a - b),
    );
    for (const pid of d.pidsOf('hung')) {
      const c = byPid.get(pid)!;
      assert.equal(c.classification, 'never-execed');
      assert.equal(c.child.threads, 1);
      assert.equal(c.activity, 'lock-wait');
      assert.match(c.child.wchan ?? '', /futex/);
      const conf = c.confirmation!;
      assert.equal(conf.verdict?.by, 'signature', `pid ${pid}: ${JSON.stringify(conf)}`);
      assert.equal(conf.verdict?.signatureId, ATFORK_SIGNATURE);
      assert.equal(conf.capture?.ok, true);
      assert.equal(conf.kernel?.blocked, true, 'two samples before the capture: the kernel proof holds as well');
    }
    for (const role of ['sleeper', 'accepter', 'exec', 'zombie'] as const) {
      assert.equal(byPid.get(d.pidsOf(role)[0]!)!.confirmation, null, `${role}: never examined`);
    }
    // The busy worker sleeps 10 ms per burst; on a loaded host one read can catch it between the
    // runqueue and its sleep (state S, wchan "0": overdue by that read). Its two kernel samples then
    // show it using CPU: it is let go, never traced, and reported progressing, not overdue.
    const busy = byPid.get(d.pidsOf('busy')[0]!)!;
    if (busy.confirmation !== null) {
      assert.match(busy.confirmation.progressed ?? '', /CPU time changed|voluntary context switches changed/);
      assert.equal(busy.confirmation.capture, null, 'busy: never traced');
      assert.equal(busy.confirmation.verdict, null);
      assert.equal(busy.activity, 'progressing');
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

test("live: a child stuck inside fork() with its child handler spinning is not overdue by its state, but scan's second look names it (exit 2); a sleeping worker's look names nothing", async () => {
  requireBuiltCli();
  requireTool('gcc');
  requireTool('eu-stack');
  const d = await startDeadlocker({ hung: 1, spinning: 1, sleeper: true });
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-live-'));
  try {
    await new Promise((r) => setTimeout(r, 1500)); // older than hungAfter
    const { status, report, stderr } = scanJson(writeConfig(dir, d.pid));
    assert.equal(status, 2, `exit 2 expected: ${stderr}`);
    assert.equal(report.confirmed, 2, 'the hung child and the spinning one');
    const byPid = new Map(report.children.map((c) => [c.child.pid, c]));
    const spinning = byPid.get(d.pidsOf('spinning')[0]!)!;
    assert.notEqual(spinning.activity, 'lock-wait', 'its state says it is doing something');
    assert.equal(spinning.overdue, true, 'overdue after all: its stack named it');
    const conf = spinning.confirmation as Confirmation & { secondLook: boolean };
    assert.equal(conf.secondLook, true, JSON.stringify(conf));
    assert.equal(conf.verdict?.by, 'signature');
    assert.equal(conf.verdict?.signatureId, 'fork-child-handlers-never-return');
    assert.equal(conf.capture?.ok, true);
    const hung = byPid.get(d.pidsOf('hung')[0]!)!.confirmation as Confirmation & { secondLook: boolean };
    assert.equal(hung.secondLook, false);
    assert.equal(hung.verdict?.signatureId, ATFORK_SIGNATURE);
    const sleeper = byPid.get(d.pidsOf('sleeper')[0]!)!;
    assert.equal(sleeper.overdue, false);
    assert.equal(sleeper.confirmation, null, 'its second look named nothing: not listed as confirmed');
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('live: --no-capture confirms by kernel proof alone, no tracer; the table names the proof', async () => {
  requireBuiltCli();
  requireTool('gcc');
  const d = await startDeadlocker({ hung: 1, exec: true });
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-live-'));
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const config = writeConfig(dir, d.pid);
    const { status, report } = scanJson(config, '--no-capture');
    assert.equal(status, 2);
    assert.deepEqual(report.confirm, { mode: 'kernel-only', reason: '--no-capture', sampleGapMs: 1000 });
    const hung = report.children.find((c) => c.child.pid === d.pidsOf('hung')[0])!.confirmation!;
    assert.equal(hung.verdict?.by, 'kernel');
    assert.equal(hung.verdict?.signatureId, 'proven_blocked');
    assert.equal(hung.capture, null);
    assert.match(
      hung.kernel!.reasons.join('; '),
      /private futex wait with no timeout .*unchanged over 2 samples and \d+ ms/,
    );
    assert.equal(report.children.find((c) => c.child.pid === d.pidsOf('exec')[0])!.confirmation, null);

    const table = spawnSync(process.execPath, [...CLI, '--no-capture', '--config', config], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(table.status, 2);
    assert.match(
      table.stdout,
      new RegExp(
        `\\b${d.pidsOf('hung')[0]}\\b.*never-execed OVERDUE\\s+futex_do_wait\\s+kernel\\s+proven_blocked \\(kernel proof\\): unchanged over 2 samples`,
      ),
    );
    assert.match(
      table.stdout,
      /^confirmed: 1 of 1 suspect\(s\), 0 by signature, 1 by kernel proof; checked: kernel evidence only \(--no-capture\)$/m,
    );
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('live: beside the stand-in Jenkins JVM (FORK launch mechanism) scan names the signature of every hung child', async () => {
  requireBuiltCli();
  requireTool('eu-stack');
  const jvm = await startForkDeadlockJvm({ threadNames: ['SCM polling for demo-job', 'launcher-0'] });
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-live-'));
  try {
    const hung = (await jvm.waitForHungChildren(2, 60_000)).sort((a, b) => a - b);
    await new Promise((r) => setTimeout(r, 1200)); // older than hungAfter
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `targets:\n  - name: jenkins\n    pid: ${jvm.pid}\nhungAfter: 1s\n`);
    const { status, report, stderr } = scanJson(config);
    assert.equal(status, 2, stderr);
    assert.deepEqual(
      report.targets.map((t) => t.process.pid),
      [jvm.pid],
    );
    assert.deepEqual(
      report.children
        .filter((c) => c.overdue)
        .map((c) => c.child.pid)
        .sort((a, b) => a - b),
      hung,
    );
    for (const c of report.children) {
      assert.equal(c.confirmation?.verdict?.by, 'signature', `pid ${c.child.pid}: ${JSON.stringify(c.confirmation)}`);
      assert.equal(c.confirmation?.verdict?.signatureId, ATFORK_SIGNATURE);
    }
    assert.equal(report.confirmed, 2);
  } finally {
    await jvm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('live: --watch scans every interval, steady state targeted, captures each child once; a dead target exits 3', async () => {
  requireBuiltCli();
  requireTool('gcc');
  requireTool('eu-stack');
  const d = await startDeadlocker({ hung: 1, sleeper: true });
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-live-'));
  const config = writeConfig(dir, d.pid);
  // Older than hungAfter before the first scan: else, on a loaded host, the first scan can come first and
  // find the child too young to be overdue (no confirmation at scan 0).
  await new Promise((r) => setTimeout(r, 1200));
  const watcher = spawn(process.execPath, [...CLI, '--json', '--watch', '--config', config], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const lines: Report[] = [];
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
    assert.deepEqual(
      lines[2]!.children.filter((c) => c.overdue).map((c) => c.child.pid),
      d.pidsOf('hung'),
    );
    const hungOf = (i: number) => lines[i]!.children.find((c) => c.child.pid === d.pidsOf('hung')[0])!.confirmation!;
    assert.equal(hungOf(0).note, null, 'captured at the first scan');
    for (const i of [0, 1, 2]) assert.equal(hungOf(i).verdict?.signatureId, ATFORK_SIGNATURE, `scan ${i}`);
    for (const i of [1, 2]) {
      assert.equal(hungOf(i).note, 'captured once, at an earlier scan');
      assert.deepEqual(hungOf(i).capture, hungOf(0).capture, 'the same capture, not a new one');
    }
    const exited = new Promise<number | null>((r) => watcher.once('exit', (code) => r(code)));
    watcher.kill('SIGTERM');
    assert.equal(await exited, 2, 'last status: confirmed');
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
