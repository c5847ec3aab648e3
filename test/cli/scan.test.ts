/**
 * The real CLI as a process on captured ps listings (`--ps-output`): golden
 * files beside the raw listings (FORKWATCH_UPDATE_GOLDEN=1 rewrites them),
 * plus explicit checks so a regenerated golden cannot bless a wrong answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/native-build.js';
import { CLI_ARGS, runMainHere } from '../helpers/cli-command.js';
import { main as scanMain } from '../../src/cli/scan.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/ps');
const UPDATE = process.env.FORKWATCH_UPDATE_GOLDEN === '1';

/**
 * The same scan in this process (runMainHere: src/cli/scan.ts's main, stdout/stderr captured, 78 on a
 * ConfigError): for the cases about what scan decides. A node process costs ~0.5 s of CPU; the first test and the
 * broken-config one run the real CLI for its exit status and output.
 */
async function scanHere(args: string[], config: string) {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-cli-'));
  try {
    writeFileSync(join(dir, 'config.yaml'), config);
    return await runMainHere(scanMain, ['--config', join(dir, 'config.yaml'), ...args]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runScan(args: string[], config: string) {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-cli-'));
  try {
    writeFileSync(join(dir, 'config.yaml'), config);
    const r = spawnSync(process.execPath, [...CLI_ARGS, 'scan', '--config', join(dir, 'config.yaml'), ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, FORKWATCH_CONFIG: '' },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Json = {
  exitStatus: number;
  targets: { name: string; process: { pid: number } }[];
  missingTargets: string[];
  children: {
    target: { pid: number };
    child: { pid: number };
    depth: number;
    classification: string;
    overdue: boolean;
    activity: string;
  }[];
};

/** What the golden file pins: stable across runs (no timestamps, no host). */
function essence(j: Json) {
  return {
    exitStatus: j.exitStatus,
    targets: j.targets.map((t) => `${t.name}:${t.process.pid}`),
    missingTargets: j.missingTargets,
    children: j.children
      .map((c) => ({
        target: c.target.pid,
        pid: c.child.pid,
        depth: c.depth,
        classification: c.classification,
        overdue: c.overdue,
        activity: c.activity,
      }))
      .sort((a, b) => a.pid - b.pid),
  };
}

function golden(name: string, actual: unknown): void {
  const path = join(FIXTURES, `${name}.expected.json`);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (UPDATE || !existsSync(path)) writeFileSync(path, text);
  assert.deepEqual(actual, JSON.parse(readFileSync(path, 'utf8')), `golden ${path}`);
}

const ILLUMOS_CONFIG = `
targets:
  - name: controller
    cmdline: 'jdk1\\.8\\.0/bin/java -Djava\\.awt\\.headless'
  - name: agent
    cmdline: 'agent\\.jar'
hungAfter: 60s
`;

test('scan --ps-output: synthetic illumos listing (args cut at 80 bytes, fname compared)', () => {
  const r = runScan(['--ps-output', join(FIXTURES, 'illumos-synthetic-jenkins.txt'), '--json'], ILLUMOS_CONFIG);
  assert.equal(r.status, 1, r.stderr);
  const j = JSON.parse(r.stdout) as Json;
  const e = essence(j);
  // 7003 exec'd another binary (fname javaw) with the agent's args: a process of its own that the selector matches.
  assert.deepEqual(e.targets, ['controller:812', 'agent:7000', 'agent:7003']);
  assert.deepEqual(
    e.children.filter((c) => c.overdue).map((c) => c.pid),
    [4711, 4712, 6000, 7001],
  );
  assert.equal(e.children.find((c) => c.pid === 6000)!.depth, 2, 'a clone of a clone');
  assert.equal(e.children.find((c) => c.pid === 4713)!.activity, 'running', 'on a CPU (O): not overdue');
  assert.equal(e.children.find((c) => c.pid === 4800)!.overdue, false, 'younger than hungAfter');
  assert.equal(e.children.find((c) => c.pid === 7003)!.classification, 'execed', 'fname javaw differs');
  assert.equal(e.children.find((c) => c.pid === 5002)!.classification, 'zombie');
  golden('illumos-synthetic-jenkins', e);
  // A listing from another host: nothing to sample or capture here, so nothing is confirmed (never exit 2).
  const raw = JSON.parse(r.stdout) as {
    confirmed: number;
    confirm: { mode: string; reason: string };
    children: { confirmation: unknown }[];
  };
  assert.equal(raw.confirmed, 0);
  assert.equal(raw.confirm.mode, 'none');
  assert.match(raw.confirm.reason, /^--ps-output: a listing from another host/);
  assert.ok(raw.children.every((c) => c.confirmation === null));
});

test('scan --ps-output: the default targets miss an illumos JVM whose jenkins.war is past 80 bytes', async () => {
  const r = await scanHere(
    ['--ps-output', join(FIXTURES, 'illumos-synthetic-jenkins.txt'), '--json'],
    'hungAfter: 60s\n',
  );
  const targets = essence(JSON.parse(r.stdout) as Json).targets;
  assert.deepEqual(
    targets,
    ['jenkins:7000', 'jenkins:7003'],
    'the agent (agent.jar within 80 bytes), not the controller',
  );
  const none = await scanHere(['--ps-output', join(FIXTURES, 'ptree-synthetic-812.txt'), '--json'], 'hungAfter: 60s\n');
  assert.equal(none.status, 3, 'not a ps listing: no target found');
});

test('scan --ps-output --ps-platform linux: a real procps listing of the deadlocker', async () => {
  const config = "targets:\n  - name: dl\n    cmdline: 'deadlocker-[0-9a-f]+ --hung'\nhungAfter: 1s\n";
  const r = await scanHere(
    ['--ps-output', join(FIXTURES, 'linux-procps-deadlocker.txt'), '--ps-platform', 'linux', '--json'],
    config,
  );
  assert.equal(r.status, 1, r.stderr);
  const e = essence(JSON.parse(r.stdout) as Json);
  assert.deepEqual(e.targets, ['dl:19864']);
  // ps cannot see wait channels: every old clone that is not running is a suspect (capture decides).
  assert.deepEqual(
    e.children.filter((c) => c.overdue).map((c) => c.pid),
    [19870, 19871, 19873, 19874, 19875],
  );
  assert.equal(e.children.find((c) => c.pid === 19872)!.classification, 'execed');
  assert.equal(e.children.find((c) => c.pid === 19876)!.classification, 'zombie');
  golden('linux-procps-deadlocker', e);
});

test('scan: table output, a bad --hung-after (78), an unreadable listing (3)', async () => {
  const table = await scanHere(['--ps-output', join(FIXTURES, 'illumos-synthetic-jenkins.txt')], ILLUMOS_CONFIG);
  assert.equal(table.status, 1);
  assert.match(table.stdout, /^TARGET\s+CHILD\s+DEPTH\s+AGE\s+STATE\s+THREADS\s+CLASSIFICATION/m);
  assert.match(table.stdout, /controller:812\s+4711\s+1\s+1d02h\s+S\s+1\s+never-execed OVERDUE/);
  assert.match(table.stdout, /overdue: 4 \(hungAfter 1m00s\)/);
  assert.match(table.stdout, /^confirmed: not checked \(--ps-output: a listing from another host/m);
  assert.match(table.stdout, /never-execed OVERDUE\s+-\s+-\s+-$/m, 'CONFIRMED and EVIDENCE: not examined');
  const bad = await scanHere(
    ['--ps-output', join(FIXTURES, 'illumos-synthetic-jenkins.txt'), '--hung-after', 'soon'],
    ILLUMOS_CONFIG,
  );
  assert.equal(bad.status, 78);
  assert.match(bad.stderr, /--hung-after = "soon"/);
  const longer = await scanHere(
    ['--ps-output', join(FIXTURES, 'illumos-synthetic-jenkins.txt'), '--hung-after', '2d', '--json'],
    ILLUMOS_CONFIG,
  );
  assert.equal(longer.status, 0, 'nothing older than 2 days');
  const missing = await scanHere(['--ps-output', '/nonexistent/ps.txt'], ILLUMOS_CONFIG);
  assert.equal(missing.status, 3);
});

test('scan: a broken signatures.paths file is a configuration error (78) naming the key, before any scan', () => {
  const r = runScan(['--json'], 'targets:\n  - name: x\n    pid: 1\nsignatures:\n  paths: [/nonexistent/sigs.yaml]\n');
  assert.equal(r.status, 78, r.stderr);
  assert.match(r.stderr, /signatures\.paths = \["\/nonexistent\/sigs\.yaml"\].*cannot read/);
  assert.equal(r.stdout, '');
});

test('scan --help documents the confirmation, the second look, --no-capture and exit 2', async () => {
  const r = await scanHere(['--help'], '');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /gets one stack too, the second look \(capture\.secondLook\)/);
  assert.match(r.stdout, /--no-capture\s+kernel evidence only: no ptrace, no capture, no match/);
  assert.match(r.stdout, /two kernel samples 1000 ms apart/);
  assert.match(r.stdout, /2 a deadlock confirmed \(signature or kernel proof\)/);
});

test('--ps-output /dev/zero is refused at once as not a regular file (the read is bounded), exit 3', () => {
  const started = Date.now();
  const r = runScan(['--ps-output', '/dev/zero'], 'targets:\n  - name: jenkins\n    cmdline: jenkins\\.war\n');
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /cannot read: not a regular file \(a character device\)/);
  assert.ok(Date.now() - started < 30_000, 'answered without reading /dev/zero');
});
