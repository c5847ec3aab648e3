/**
 * deploy/systemd: the unit passes `systemd-analyze verify` and scores "OK" or
 * better in `systemd-analyze security --offline=true`; the example config and
 * environment file pass the real `forkwatch check-config`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { requireTool } from '../helpers/native-build.js';
import { envVarNames } from '../../src/config/env.js';
import { DAEMON_NODE_FLAGS, daemonEnvWords } from '../../src/daemon/node-flags.js';
import { REPO_ROOT, describeResult, readRepoFile, runTool } from './support.js';
import { ConfigSchema } from '../../src/config/schema.js';

const UNIT = 'deploy/systemd/forkwatch.service';
/** Regression guard, on systemd's 0-100 scale (2.4 → 24): "OK" ends at 4.9. */
const EXPOSURE_THRESHOLD = 30;

/** [Section] Key=Value lines, every assignment kept in order. */
function parseUnit(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = s[1] as string;
      continue;
    }
    const eq = line.indexOf('=');
    const key = `${section}.${line.slice(0, eq)}`;
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

function one(unit: Map<string, string[]>, key: string): string | undefined {
  return unit.get(key)?.at(-1);
}

/** A root holding the stock units (sysinit.target & co.), our unit, and stubs for the ExecStart and ExecReload binaries. */
function makeVerifyRoot(withStub: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'forkwatch-verify-'));
  const stock = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => existsSync(join(d, 'sysinit.target')));
  assert.ok(stock, 'the stock systemd units (sysinit.target) are not installed; .ci/run installs systemd');
  cpSync(stock, join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  cpSync(join(REPO_ROOT, UNIT), join(root, 'etc/systemd/system/forkwatch.service'));
  const unit = parseUnit(readRepoFile(UNIT));
  // ExecStart's node, and ExecReload's /bin/kill (present on any host; absent from the empty root).
  const exes = ['Service.ExecStart', 'Service.ExecReload'].map((k) => (one(unit, k) ?? '').split(/\s+/)[0] as string).filter(Boolean);
  if (withStub) {
    for (const exe of exes) {
      mkdirSync(join(root, exe, '..'), { recursive: true });
      writeFileSync(join(root, exe), '#!/bin/sh\nexit 0\n');
      chmodSync(join(root, exe), 0o755);
    }
  }
  return root;
}

test('systemd-analyze verify accepts the unit (no warnings) when its ExecStart binary exists', () => {
  requireTool('systemd-analyze');
  const root = makeVerifyRoot(true);
  try {
    const r = runTool('systemd-analyze', ['verify', `--root=${root}`, 'forkwatch.service']);
    assert.equal(r.status, 0, describeResult(r));
    assert.equal(r.stderr.trim(), '', `verify printed warnings:\n${r.stderr}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('systemd-analyze verify rejects the unit when its ExecStart binary is missing (the check is real)', () => {
  requireTool('systemd-analyze');
  const root = makeVerifyRoot(false);
  try {
    const r = runTool('systemd-analyze', ['verify', `--root=${root}`, 'forkwatch.service']);
    assert.notEqual(r.status, 0, describeResult(r));
    assert.match(r.stderr, /is not executable/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('systemd-analyze security --offline=true rates the unit OK or better, and docs/operations.md records the score', () => {
  requireTool('systemd-analyze');
  const r = runTool('systemd-analyze', [
    'security',
    '--offline=true',
    `--threshold=${EXPOSURE_THRESHOLD}`,
    '--no-pager',
    join(REPO_ROOT, UNIT),
  ]);
  assert.equal(r.status, 0, describeResult(r));
  const m = /Overall exposure level for forkwatch\.service: ([0-9.]+) (\w+)/.exec(r.stdout);
  assert.ok(m, describeResult(r));
  const [, score, level] = m;
  assert.ok(['PERFECT', 'SAFE', 'OK'].includes(level as string), `exposure level ${level} (${score})`);
  assert.ok(Number(score) * 10 <= EXPOSURE_THRESHOLD);
  const docs = readRepoFile('docs/operations.md');
  assert.ok(docs.includes(`exposure level ${score} ${level}`), `docs/operations.md must record "exposure level ${score} ${level}"`);
});

test('the unit runs unprivileged with exactly CAP_SYS_PTRACE + CAP_DAC_READ_SEARCH and hides no process', () => {
  const unit = parseUnit(readRepoFile(UNIT));
  assert.ok(one(unit, 'Service.DynamicUser') === 'yes' || one(unit, 'Service.User'), 'DynamicUser=yes or User=');
  assert.notEqual(one(unit, 'Service.User'), 'root');
  const caps = (v: string | undefined): string[] => (v ?? '').split(/\s+/).filter(Boolean).sort();
  assert.deepEqual(caps(one(unit, 'Service.CapabilityBoundingSet')), ['CAP_DAC_READ_SEARCH', 'CAP_SYS_PTRACE']);
  assert.deepEqual(caps(one(unit, 'Service.AmbientCapabilities')), ['CAP_DAC_READ_SEARCH', 'CAP_SYS_PTRACE']);
  assert.equal(one(unit, 'Service.NoNewPrivileges'), 'yes');
  assert.notEqual(one(unit, 'Service.ProtectProc'), 'invisible');
  assert.notEqual(one(unit, 'Service.ProtectProc'), 'noaccess');
  assert.notEqual(one(unit, 'Service.ProcSubset'), 'pid');
  assert.equal(unit.get('Service.PrivateUsers'), undefined, 'PrivateUsers= would neuter the capabilities');
  assert.equal(one(unit, 'Service.StateDirectory'), 'forkwatch');
  assert.equal(one(unit, 'Service.Type'), 'notify');
  assert.equal(one(unit, 'Service.NotifyAccess'), 'all', 'systemd-notify runs as a child of the daemon');
  assert.equal(one(unit, 'Service.Restart'), 'on-failure');
  assert.deepEqual((one(unit, 'Service.ExecStart') ?? '').split(/\s+/), ['/usr/bin/node', ...DAEMON_NODE_FLAGS, '/opt/forkwatch/dist/cli/index.js', 'run', '--config', '/etc/forkwatch/forkwatch.yml']);
  assert.deepEqual(unit.get('Service.Environment')?.filter((e) => e.startsWith('GLIBC_TUNABLES=')), daemonEnvWords(), 'malloc\'s tunables (DAEMON_ENV)');
  // systemctl reload = SIGHUP = config reload (docs/daemon.md#reload), not a stop.
  assert.equal(one(unit, 'Service.ExecReload'), '/bin/kill -HUP $MAINPID');
  const syscalls = (unit.get('Service.SystemCallFilter') ?? []).join(' ');
  assert.match(syscalls, /\bptrace\b/, 'eu-stack needs ptrace(2)');
});

function checkConfig(file: string, env: NodeJS.ProcessEnv): ReturnType<typeof runTool> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FORKWATCH_')));
  return runTool(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'check-config', '--config', file], { env: { ...clean, ...env } });
}

/** KEY=VALUE assignments of an EnvironmentFile; commented ones too when asked. */
function envFileAssignments(text: string, includeCommented: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = includeCommented ? raw.replace(/^#(?=[A-Z_]+=)/, '') : raw;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

test('forkwatch check-config accepts deploy/examples/forkwatch.yml with the active forkwatch.env settings', () => {
  const env = envFileAssignments(readRepoFile('deploy/systemd/forkwatch.env'), false);
  const r = checkConfig('deploy/examples/forkwatch.yml', env);
  assert.equal(r.status, 0, describeResult(r));
  assert.match(r.stdout, /name: jenkins-controller/);
});

test('forkwatch check-config rejects a broken copy of the example with exit 78 (the check is real)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-cfg-'));
  try {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, readRepoFile('deploy/examples/forkwatch.yml').replace('hungAfter: 60s', 'hungAftr: 60s'));
    const r = checkConfig(bad, {});
    assert.equal(r.status, 78, describeResult(r));
    assert.match(r.stderr, /hungAftr/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every FORKWATCH_* variable the unit and forkwatch.env mention is a known config variable', () => {
  const known = new Set(envVarNames());
  const mentioned = [
    ...Object.keys(envFileAssignments(readRepoFile('deploy/systemd/forkwatch.env'), true)),
    ...(parseUnit(readRepoFile(UNIT)).get('Service.Environment') ?? []).map((a) => a.split('=')[0] as string),
  ].filter((n) => n.startsWith('FORKWATCH_'));
  assert.ok(mentioned.length >= 4);
  for (const name of mentioned) assert.ok(known.has(name), `${name} is not a config variable (src/config/env.ts)`);
});

test("Documentation= names the docs installed with the package and the daemon's own /docs page (no repository URL)", () => {
  const unit = parseUnit(readRepoFile(UNIT));
  const docs = (unit.get('Unit.Documentation') ?? []).join(' ').split(/\s+/).filter(Boolean);
  const cli = (one(unit, 'Service.ExecStart') ?? '').split(/\s+/).find((a) => a.endsWith('/dist/cli/index.js')) as string;
  const installDir = dirname(dirname(dirname(cli)));
  const port = (ConfigSchema.properties.listen.properties.port as { default?: number }).default;
  assert.equal(port, 9710);
  assert.deepEqual(docs, [`file://${installDir}/docs/operations.md`, `http://localhost:${port}/docs/operations`]);
  // The file: URL is the package's own docs/operations.md where the install steps put the package (ExecStart's dir);
  // the http: one is served by the daemon (test/expose/routes/docs-runbooks.test.ts GETs it on a live daemon).
  assert.ok(existsSync(join(REPO_ROOT, 'docs/operations.md')));
  assert.match(readRepoFile('docs/operations.md'), new RegExp(`clone .* ${installDir}\\b`), 'the install steps put the package where Documentation= points');
});
