/**
 * The tracer box (src/util/run-boxed.ts) with real processes: what a boxed
 * program sees from inside (its environment, descriptors, session, limits,
 * user, stdin), and the deadline holding when a descendant escapes the
 * process group with setsid() and keeps the stdout pipe open — both while
 * the tracer still runs (found by the /proc children walk) and after it
 * exited (found by the environment nonce).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProgram, type RunResult } from '../../src/util/run-program.js';
import { BOX_ID_VAR, BOX_PATH } from '../../src/util/run-boxed.js';
import {
  resolveTracerTools,
  tracerBox,
  withResolvedTools,
  TRACER_ADDRESS_SPACE_BYTES,
} from '../../src/capture/tools.js';
import { REPO_ROOT } from '../helpers/native-build.js';

const alive = (pid: number): boolean =>
  existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !alive(pid);
}

function boxed(script: string, timeoutMs = 5000, opts: Parameters<typeof tracerBox>[1] = {}): Promise<RunResult> {
  const box = tracerBox(timeoutMs, opts);
  if ('error' in box) throw new Error(box.error);
  return runProgram('/bin/sh', ['-c', script], { timeoutMs, maxOutputBytes: 64 * 1024, box });
}

test("the environment is exactly the fixed set: nothing of the daemon's (token, webhook, FORKWATCH_*)", async () => {
  process.env.FORKWATCH_AUTH_TOKEN = 'box-test-secret-token-0123456789';
  process.env.FORKWATCH_ALERTS_SLACK_WEBHOOK_URL = 'https://hooks.slack.com/services/T0/B0/secret';
  try {
    const r = await boxed('cat /proc/$$/environ', 5000, { env: { DEBUGINFOD_URLS: '' } });
    assert.equal(r.failed, false, r.stderr);
    const entries = r.stdout.split('\0').filter(Boolean);
    const names = entries.map((e) => e.slice(0, e.indexOf('=')));
    assert.deepEqual(
      names,
      [BOX_ID_VAR, 'PATH', 'LC_ALL', 'DEBUGINFOD_URLS'],
      'the nonce first, then the fixed variables',
    );
    assert.match(entries[0]!, new RegExp(`^${BOX_ID_VAR}=[0-9a-f]{24}$`));
    assert.deepEqual(entries.slice(1), [`PATH=${BOX_PATH}`, 'LC_ALL=C', 'DEBUGINFOD_URLS=']);
    assert.doesNotMatch(r.stdout, /secret|FORKWATCH/);
  } finally {
    delete process.env.FORKWATCH_AUTH_TOKEN;
    delete process.env.FORKWATCH_ALERTS_SLACK_WEBHOOK_URL;
  }
});

test('its own session and process group; stdin is /dev/null; cwd is /', async () => {
  const ours = readFileSync('/proc/self/stat', 'utf8');
  const [ourPgrp, ourSid] = ours
    .slice(ours.lastIndexOf(')') + 2)
    .split(' ')
    .slice(2, 4)
    .map(Number);
  const r = await boxed('s=$(cat /proc/$$/stat); echo "$$ $s"; readlink /proc/$$/fd/0; readlink /proc/$$/cwd');
  const [first, stdin, cwd] = r.stdout.trim().split('\n');
  const pid = Number(first!.split(' ')[0]);
  const fields = first!.slice(first!.lastIndexOf(')') + 2).split(' ');
  const [pgrp, sid] = [Number(fields[2]), Number(fields[3])];
  assert.equal(sid, pid, 'session leader (setsid)');
  assert.equal(pgrp, pid, 'its own process group');
  assert.notEqual(sid, ourSid);
  assert.notEqual(pgrp, ourPgrp);
  assert.equal(stdin, '/dev/null');
  assert.equal(cwd, '/');
});

test('resource limits apply inside: CPU seconds, address space, no core, open files (read from /proc/<tracer>/limits)', async () => {
  const r = await boxed('cat /proc/$$/limits', 4000);
  const limit = (name: string): string[] => {
    const line = r.stdout.split('\n').find((l) => l.startsWith(name));
    assert.ok(line, `${name} in ${r.stdout}`);
    return line.slice(name.length).trim().split(/\s+/).slice(0, 2);
  };
  assert.deepEqual(limit('Max cpu time'), ['5', '5'], 'ceil(4 s) + 1');
  assert.deepEqual(limit('Max address space'), [
    String(TRACER_ADDRESS_SPACE_BYTES),
    String(TRACER_ADDRESS_SPACE_BYTES),
  ]);
  assert.deepEqual(limit('Max core file size'), ['0', '0']);
  assert.deepEqual(limit('Max open files'), ['1024', '1024']);
  const jvm = await boxed('cat /proc/$$/limits', 4000, { addressSpaceBytes: null });
  assert.match(jvm.stdout, /^Max address space\s+unlimited\s+unlimited/m, 'jcmd (a JVM): no address-space limit');
  assert.deepEqual(limit('Max file size'), ['unlimited', 'unlimited']);
  const gcore = await boxed('cat /proc/$$/limits', 4000, { fileSizeBytes: 1048577 });
  assert.match(gcore.stdout, /^Max file size\s+1048577\s+1048577 /m, 'gcore: the core cannot grow past core.maxBytes');
});

test("runAs: setpriv runs it as the target's uid and gid, supplementary groups cleared", async () => {
  const r = await boxed('id -u; id -g; id -G', 5000, { runAs: { uid: 65534, gid: 65534 } });
  assert.equal(r.failed, false, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['65534', '65534', '65534']);
});

test('descriptors: only 0-2 reach a boxed program once the daemon closed what its parent leaked', () => {
  const probe = (mode: string): { closed: number[]; fds: number[] } => {
    // fd 300 inherited without close-on-exec (node itself marks only low descriptors close-on-exec at start).
    const r = spawnSync(
      '/bin/bash',
      [
        '-c',
        'exec "$0" --import tsx "$1" "$2" 300</dev/null',
        process.execPath,
        join(REPO_ROOT, 'test/capture/box-fd-probe.ts'),
        mode,
      ],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    assert.equal(r.status, 0, `probe ${mode} exited ${r.status}`);
    return JSON.parse(r.stdout) as { closed: number[]; fds: number[] };
  };
  const leaky = probe('keep');
  assert.ok(leaky.fds.includes(300), `the probe is able to see a leak: ${JSON.stringify(leaky)}`);
  const closed = probe('close');
  assert.ok(closed.closed.includes(300), JSON.stringify(closed));
  assert.deepEqual(closed.fds, [0, 1, 2]);
});

test('a relative name is never run (tools are absolute paths resolved at start)', async () => {
  const box = tracerBox(1000);
  assert.ok(!('error' in box));
  const r = await runProgram('sh', ['-c', 'echo ran'], { timeoutMs: 1000, maxOutputBytes: 1024, box });
  assert.equal(r.notFound, true);
  assert.equal(r.stdout, '');
  assert.match(r.cause!, /not an absolute path resolved at start/);
});

for (const [label, tail] of [
  ['while the tracer still runs (children walk)', 'sleep 60'],
  ['after the tracer exited (environment nonce)', 'exit 0'],
] as const) {
  test(
    `deadline: a descendant that setsid()s and keeps stdout open does not hold the run, and is killed — ${label}`,
    { timeout: 20_000 },
    async () => {
      const started = performance.now();
      // The escapee prints its pid, keeps stdout and sleeps in a session of its own.
      const r = await boxed(`setsid /bin/sh -c 'echo $$; exec sleep 60' & ${tail}`, 600);
      const took = performance.now() - started;
      assert.equal(r.timedOut, true);
      assert.equal(r.failed, true);
      assert.ok(took < 600 + 1500, `returned ${Math.round(took)} ms after the start (deadline 600 ms)`);
      const escapee = Number(r.stdout.trim());
      assert.ok(escapee > 1, `escapee pid in ${JSON.stringify(r.stdout)}`);
      assert.equal(await gone(escapee), true, `escaped pid ${escapee} killed`);
    },
  );
}

test("resolveTracerTools: bare names through the daemon's PATH, missing ones unavailable ('' in the config), helpers from system dirs only", () => {
  const present = new Set([
    '/opt/dbg/bin/eu-stack',
    '/usr/bin/gdb',
    '/usr/bin/prlimit',
    '/usr/bin/setpriv',
    '/opt/dbg/bin/prlimit',
  ]);
  const deps = { pathEnv: '/opt/dbg/bin:relative/dir:/usr/bin', isExecutable: (p: string) => present.has(p) };
  const tools = {
    ps: 'ps',
    ptree: 'ptree',
    euStack: 'eu-stack',
    gdb: 'gdb',
    pstack: 'pstack',
    gstack: '/nope/gstack',
    jcmd: 'jcmd',
    gcore: 'gcore',
  };
  const r = resolveTracerTools(tools, deps);
  assert.equal(r.tracers.euStack, '/opt/dbg/bin/eu-stack');
  assert.equal(r.tracers.gdb, '/usr/bin/gdb');
  assert.deepEqual(
    r.unavailable.map((u) => u.key),
    ['pstack', 'gstack', 'jcmd', 'gcore'],
  );
  assert.equal(r.prlimit, '/usr/bin/prlimit', 'not the PATH one');
  const config = withResolvedTools({ tools }, r);
  assert.deepEqual(config.tools, {
    ...tools,
    euStack: '/opt/dbg/bin/eu-stack',
    gdb: '/usr/bin/gdb',
    pstack: '',
    gstack: '',
    jcmd: '',
    gcore: '',
  });
});
