/**
 * Live: the real CLI as built (`node dist/cli/index.js audit`) against the suite's
 * stand-in Jenkins JVM (test/helpers/java/ForkDeadlock.java) started four
 * ways — launchMechanism FORK or the default, with or without LD_PRELOAD of
 * an atfork library built here with gcc — and against the live C reproducer
 * (test/helpers/deadlocker.ts). The JVMs are not armed (no child hangs): the
 * audit rates the risk before the hang, from files only. Also: jcmd
 * VM.system_properties when threadDump.enabled (an @argfile hides the flag
 * from cmdline), exit 3 for a target that is gone, exit 78 for a bad rule file.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { compileForkDeadlock, removeAttachSocket } from '../../helpers/jvm.js';
import { startDeadlocker } from '../../helpers/deadlocker.js';
import { REPO_ROOT, requireTool } from '../../helpers/native-build.js';
import type { AuditResult } from '../../../src/audit/types.js';

const DIST_CLI = join(REPO_ROOT, 'dist/cli/index.js');
const ATFORK_C = `#include <pthread.h>
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void prepare(void) { pthread_mutex_lock(&lock); }
static void release(void) { pthread_mutex_unlock(&lock); }
__attribute__((constructor)) static void init(void) { pthread_atfork(prepare, release, release); }
`;

let dir = '';
let atforkSo = '';
let classDir = '';
const started: ChildProcess[] = [];

before(() => {
  requireTool('gcc');
  requireTool('java', ['-version']);
  dir = mkdtempSync(join(tmpdir(), 'fw-audit-live-'));
  writeFileSync(join(dir, 'atfork.c'), ATFORK_C);
  atforkSo = join(dir, 'libfwatfork.so');
  execFileSync('gcc', ['-shared', '-fPIC', '-o', atforkSo, join(dir, 'atfork.c'), '-lpthread'], { timeout: 60_000 });
  classDir = compileForkDeadlock();
});

/** Each test's JVM is stopped (by its pid) before the next starts: one JVM at a time on a shared host. */
afterEach(async () => {
  for (const p of started.splice(0)) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
    removeAttachSocket(p.pid!);
  }
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The stand-in JVM, unarmed (its one child execs `true`), started as asked; resolves on "ready". */
async function startJvm(opts: { fork: boolean; preload: boolean; argfile?: boolean }): Promise<number> {
  const flags = [
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Xmx64m',
    ...(opts.fork ? ['-Djdk.lang.Process.launchMechanism=FORK'] : []),
  ];
  let args = [...flags, '-cp', classDir, 'ForkDeadlock', 'audit probe'];
  if (opts.argfile) {
    const file = join(dir, 'jvm.args');
    writeFileSync(file, flags.join('\n'));
    args = [`@${file}`, '-cp', classDir, 'ForkDeadlock', 'audit probe'];
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    FORKWATCH_ATFORK_DEADLOCK: '0',
    SECRET_TOKEN: 'never-shown-4711',
  };
  if (opts.preload) env.LD_PRELOAD = atforkSo;
  const proc = spawn('java', args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  started.push(proc);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('JVM not ready in 60 s')), 60_000);
    proc.once('exit', (c) => reject(new Error(`JVM exited ${c}`)));
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      if (l.startsWith('ready')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return proc.pid!;
}

function audit(pid: number, extraConfig = ''): { status: number | null; results: AuditResult[]; stderr: string } {
  const cfg = join(dir, `cfg-${pid}.yaml`);
  writeFileSync(cfg, `targets:\n  - name: jenkins\n    pid: ${pid}\nstateDir: ${dir}/var\n${extraConfig}`);
  const r = spawnSync(process.execPath, [DIST_CLI, 'audit', '--json', '--config', cfg], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const results = r.stdout ? (JSON.parse(r.stdout) as { results: AuditResult[] }).results : [];
  return { status: r.status, results, stderr: r.stderr };
}

const rulesOf = (r: AuditResult) => r.reasons.map((x) => x.rule);

test('FORK + LD_PRELOAD of an atfork library: high (exit 1), the flag, the preload and the handler named as evidence', async () => {
  const pid = await startJvm({ fork: true, preload: true });
  const { status, results } = audit(pid);
  assert.equal(status, 1);
  const [r] = results;
  assert.equal(r!.risk, 'high');
  assert.equal(r!.pid, pid);
  for (const id of [
    'jdk-fork-with-preload',
    'jdk-fork-with-atfork-handler',
    'jdk-launch-mechanism-fork',
    'ld-preload-set',
  ])
    assert.ok(rulesOf(r!).includes(id), `${id} in ${rulesOf(r!)}`);
  const pre = r!.reasons.find((x) => x.rule === 'jdk-fork-with-preload')!;
  assert.deepEqual(pre.evidenceAll, [
    { kind: 'property', text: 'jdk.lang.Process.launchMechanism=FORK (cmdline)' },
    { kind: 'environment', text: `LD_PRELOAD=${atforkSo}` },
  ]);
  const handler = r!.reasons.find((x) => x.rule === 'jdk-fork-with-atfork-handler')!;
  assert.equal(handler.evidenceAll[1]!.kind, 'atfork-import');
  assert.ok(handler.evidenceAll[1]!.text.startsWith(`${atforkSo} imports`), handler.evidenceAll[1]!.text);
  assert.match(pre.prevention, /-Djdk\.lang\.Process\.launchMechanism=POSIX_SPAWN/);
  assert.ok(!JSON.stringify(results).includes('never-shown-4711'), 'another environment value leaked');
});

test('FORK without preload: low (exit 0), the flag alone', async () => {
  const { status, results } = audit(await startJvm({ fork: true, preload: false }));
  assert.equal(status, 0);
  assert.equal(results[0]!.risk, 'low');
  assert.deepEqual(rulesOf(results[0]!), ['jdk-launch-mechanism-fork']);
});

test('default mechanism + LD_PRELOAD: low (exit 0), the preload named, nothing high', async () => {
  const { status, results } = audit(await startJvm({ fork: false, preload: true }));
  assert.equal(status, 0);
  assert.equal(results[0]!.risk, 'low');
  assert.deepEqual(rulesOf(results[0]!), ['ld-preload-set']);
  assert.equal(results[0]!.reasons[0]!.evidence.text, `LD_PRELOAD=${atforkSo}`);
});

test('default mechanism, no preload: none (exit 0)', async () => {
  const { status, results } = audit(await startJvm({ fork: false, preload: false }));
  assert.equal(status, 0);
  assert.equal(results[0]!.risk, 'none');
  assert.deepEqual(results[0]!.reasons, []);
});

test('FORK hidden in an @argfile: unseen from files (noted), seen through jcmd VM.system_properties when threadDump.enabled', async () => {
  requireTool('jcmd', ['-h']);
  const pid = await startJvm({ fork: true, preload: true, argfile: true });
  const plain = audit(pid);
  assert.equal(plain.results[0]!.risk, 'low');
  assert.ok(
    plain.results[0]!.notes.some((n) => n.includes('@argfile')),
    JSON.stringify(plain.results[0]!.notes),
  );
  const withJcmd = audit(pid, 'threadDump:\n  enabled: true\n  timeout: 30s\n');
  assert.equal(withJcmd.status, 1, withJcmd.stderr + JSON.stringify(withJcmd.results));
  const pre = withJcmd.results[0]!.reasons.find((x) => x.rule === 'jdk-fork-with-preload')!;
  assert.equal(pre.evidence.text, 'jdk.lang.Process.launchMechanism=FORK (jcmd VM.system_properties)');
});

test('the live C reproducer: high (exit 1) for its own atfork handler in a multi-threaded program', async () => {
  const d = await startDeadlocker({ hung: 1, threads: 3 });
  try {
    const { status, results } = audit(d.pid);
    assert.equal(status, 1);
    const r = results[0]!;
    assert.equal(r.risk, 'high');
    const reason = r.reasons.find((x) => x.rule === 'native-threaded-atfork-handler')!;
    assert.ok(reason, JSON.stringify(r));
    assert.equal(reason.evidence.kind, 'atfork-import');
    assert.ok(reason.evidence.text.startsWith(`${d.binary} imports`), reason.evidence.text);
    assert.match(reason.evidenceAll[1]!.text, /^Threads: [0-9]+/);
  } finally {
    await d.stop();
  }
});

test('a target that is gone: cannot tell (exit 3); a bad rule file: exit 78 naming the file and the key', async () => {
  const gone = spawnSync('true');
  const { status, results } = audit(gone.pid!);
  assert.equal(status, 3);
  assert.equal(results[0]!.risk, null);
  const bad = join(dir, 'bad-rules.yaml');
  writeFileSync(
    bad,
    'version: "1.0"\nrules:\n  - id: x\n    title: t\n    level: severe\n    why: w\n    prevention: p\n    sources: [{ title: s, url: "https://x.example" }]\n    when: [{ kind: platform, is: linux }]\n',
  );
  const r = audit(process.pid, `audit:\n  rules:\n    paths: [${bad}]\n`);
  assert.equal(r.status, 78);
  assert.ok(r.stderr.includes(bad) && r.stderr.includes('rules[0].level'), r.stderr);
});

test('threadDump.enabled never sends jcmd (SIGQUIT) to a program that is not a JVM: the C reproducer survives its audit', async () => {
  requireTool('jcmd', ['-h']);
  const d = await startDeadlocker({ hung: 1, threads: 2 });
  try {
    const { status, results } = audit(d.pid, 'threadDump:\n  enabled: true\n');
    assert.equal(status, 1);
    assert.ok(
      results[0]!.notes.includes('not a JVM (no libjvm.so mapped): jcmd not run'),
      JSON.stringify(results[0]!.notes),
    );
    process.kill(d.pid, 0); // still there
  } finally {
    await d.stop();
  }
});
