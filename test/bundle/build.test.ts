/** Evidence bundle: pure parsers (os-release, JDK release file, maps) and the bundle's shape. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBundle, bundleFileName, framesFromFork, BUNDLE_FORMAT } from '../../src/bundle/build.js';
import { FORK_RISK_KEY } from '../../src/record/extra-keys.js';
import { parseOsRelease, collectHostFacts } from '../../src/capture/host-facts.js';
import { jdkHomeOf, jdkHomesFromMaps, parseLibcPath, parseRelease } from '../../src/capture/target-facts.js';
import type { Frame } from '../../src/capture/types.js';
import type { Incident } from '../../src/record/types.js';

test('parseOsRelease: quoted, unquoted, escaped, junk lines', () => {
  const kv = parseOsRelease(
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n# comment\nbad line\nNAME=\'x \\"y\\"\'\n',
  );
  assert.deepEqual(kv, {
    PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
    ID: 'debian',
    VERSION_ID: '12',
    NAME: 'x "y"',
  });
  assert.deepEqual(parseOsRelease(''), {});
});

test('parseRelease: a JDK release file (real, Debian OpenJDK 17)', () => {
  const text =
    'IMPLEMENTOR="Debian"\nJAVA_RUNTIME_VERSION="17.0.15+6-Debian-1deb12u1"\nJAVA_VERSION="17.0.15"\nJAVA_VERSION_DATE="2025-04-15"\nLIBC="gnu"\nOS_ARCH="x86_64"\n';
  assert.deepEqual(parseRelease(text), {
    version: '17.0.15',
    runtimeVersion: '17.0.15+6-Debian-1deb12u1',
    implementor: 'Debian',
    libc: 'gnu',
  });
  assert.deepEqual(parseRelease('garbage'), { version: null, runtimeVersion: null, implementor: null, libc: null });
});

test('jdkHomesFromMaps: the JDK home from the libjvm.so mapping (JDK 9+ and JDK 8 layouts); nothing from other paths', () => {
  const maps = [
    '7f87e4e00000-7f87e5051000 r--p 00000000 fe:00 328261   /usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so',
    '7f87e5051000-7f87e5f00000 r-xp 00251000 fe:00 328261   /usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so',
    '7f0000000000-7f0000001000 r-xp 00000000 fe:00 1        /opt/jdk1.8.0_202/jre/lib/amd64/server/libjvm.so',
    '7f0000001000-7f0000002000 r-xp 00000000 fe:00 2        /tmp/evil/libjvm.so',
    '7f0000002000-7f0000003000 r-xp 00000000 fe:00 3        /usr/lib/x86_64-linux-gnu/libc.so.6',
  ].join('\n');
  assert.deepEqual(jdkHomesFromMaps(maps), ['/usr/lib/jvm/java-17-openjdk-amd64', '/opt/jdk1.8.0_202']);
  assert.deepEqual(jdkHomesFromMaps(''), []);
  assert.deepEqual(jdkHomesFromMaps(`1-2 r-xp 0 0:0 1 /${'a/'.repeat(5000)}lib/server/libjvm.so`), []);
});

test('jdkHomeOf and parseLibcPath', () => {
  assert.deepEqual(jdkHomeOf('/usr/lib/jvm/java-17-openjdk-amd64/bin/java'), ['/usr/lib/jvm/java-17-openjdk-amd64']);
  assert.deepEqual(jdkHomeOf('/opt/jdk1.8.0/jre/bin/java'), ['/opt/jdk1.8.0', '/opt/jdk1.8.0/jre']);
  const maps = [
    '7f87e4e00000-7f87e5051000 r--p 00000000 fe:00 328261   /usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so',
    '7f87e6a00000-7f87e6a28000 r--p 00000000 fe:00 1234     /usr/lib/x86_64-linux-gnu/libc.so.6',
  ].join('\n');
  assert.equal(parseLibcPath(maps), '/usr/lib/x86_64-linux-gnu/libc.so.6');
  assert.equal(parseLibcPath('7f-8f r-xp 0 0:0 1 /lib/ld-musl-x86_64.so.1'), '/lib/ld-musl-x86_64.so.1');
  assert.equal(parseLibcPath('7f-8f r-xp 0 0:0 1 /usr/lib/libcrypto.so.3\n[heap]'), null);
});

const f = (fn: string): Frame => ({ fn, normalized: fn.replace(/^_+/, ''), module: null, offset: null, address: null });

test("framesFromFork: the forking thread's native stack as of fork(), from the child's stack", () => {
  const frames = [
    '__lll_lock_wait',
    'pthread_mutex_lock',
    'forkwatch_preload_atfork_child',
    '__run_postfork_handlers',
    '_Fork',
    'fork',
    'Java_java_lang_ProcessImpl_forkAndExec',
  ].map(f);
  assert.deepEqual(
    framesFromFork({ threads: [{ tid: 1, name: null, frames }] })?.map((x) => x.fn),
    ['_Fork', 'fork', 'Java_java_lang_ProcessImpl_forkAndExec'],
  );
  assert.deepEqual(
    framesFromFork({ threads: [{ tid: 1, name: null, frames: [f('__fork'), f('main')] }] })?.map((x) => x.fn),
    ['__fork', 'main'],
  );
  assert.equal(framesFromFork({ threads: [{ tid: 1, name: null, frames: [f('poll'), f('main')] }] }), null);
  assert.equal(framesFromFork(null), null);
});

const incident = {
  id: '0123456789abcdef',
  key: 'h/100@1/201@2',
  host: 'h',
  targetName: 'jenkins',
  targetPid: 100,
  targetStartMs: 1,
  targetUser: 'jenkins',
  childPid: 201,
  childStartMs: 2,
  state: 'remediated',
  openedAt: 3,
  confirmedAt: 4,
  remediatedAt: 5,
  resolvedAt: null,
  resolvedReason: null,
  lastSeenAt: 6,
  overdueSince: null,
  signatureId: 'glibc-atfork-child-lock',
  signatureTitle: 'atfork',
  signatureVersion: '1',
  severity: 'critical',
  fingerprint: 'fp',
  jenkinsJob: 'demo-job',
  forkingThread: {
    tid: 150,
    name: 'SCM polling for',
    wchan: 'anon_pipe_read',
    javaName: 'SCM polling for demo-job',
    jenkinsJob: 'demo-job',
    javaStack: ['java.lang.ProcessImpl.forkAndExec(java.base@17/Native Method)'],
  },
  evidence: {
    stackRaw: 'PID 201 - process\n#0 0x1 __lll_lock_wait\n#1 0x2 fork\n',
    stack: {
      format: 'eu-stack',
      pid: 201,
      warnings: [],
      threads: [{ tid: 201, name: null, frames: [f('__lll_lock_wait'), f('fork')] }],
    },
    matches: [],
    kernel: [
      {
        at: 1,
        state: 'S',
        threads: 1,
        wchan: 'futex_do_wait',
        syscall: '202 0x1 0x80',
        syscallNr: 202,
        futexWaitPrivate: true,
        voluntaryCtxtSwitches: 1,
        nonvoluntaryCtxtSwitches: 0,
        cpuTimeMs: 0,
      },
    ],
    capture: { backend: 'eu-stack', at: 4, ok: true, timedOut: false, durationMs: 9, reason: null },
  },
  audit: [{ at: 5, action: 'remediate', mode: 'kill', outcome: 'killed', detail: 'sent SIGKILL' }],
} as Incident;

test('buildBundle: every section present; what is missing is said in notes', () => {
  const b = buildBundle(incident, {
    version: '9.9.9',
    host: collectHostFacts(),
    now: 1_700_000_000_000,
    coreEnabled: false,
  });
  assert.equal(b.format, BUNDLE_FORMAT);
  assert.equal(b.forkwatch.version, '9.9.9');
  assert.equal(b.incident.id, incident.id);
  assert.equal('evidence' in b.incident, false);
  assert.match(b.child.stack.raw!, /__lll_lock_wait/);
  assert.equal(b.child.stack.parsed?.threads[0]?.frames.length, 2);
  assert.equal(b.child.kernel.length, 1);
  assert.equal(b.signature.fingerprint, 'fp');
  assert.equal(b.forkingThread.jenkinsJob, 'demo-job');
  assert.equal(b.forkingThread.thread?.javaName, 'SCM polling for demo-job');
  assert.deepEqual(
    b.forkingThread.nativeAtFork?.map((x) => x.fn),
    ['fork'],
  );
  assert.equal(b.audit[0]!.outcome, 'killed');
  assert.equal(b.host.kernel.release.length > 0, true);
  assert.equal(b.core.implemented, true);
  assert.equal(b.core.outcome, null, 'no core tried: nothing named');
  assert.equal(b.core.path, null);
  assert.match(b.core.note, /core\.enabled is off/);
  assert.ok(b.notes.some((n) => /no target facts/.test(n)));
  assert.ok(!b.notes.some((n) => /no child stack/.test(n)));
  assert.ok(!b.notes.some((n) => /no Java stack/.test(n)), 'the incident has the Java stack');
  const noDump = {
    ...incident,
    forkingThread: {
      tid: 12,
      name: 'java',
      wchan: null,
      javaStackReason: 'jcmd did not finish within 3000 ms: killed',
    },
  } as Incident;
  assert.ok(
    buildBundle(noDump, { version: '9.9.9', host: collectHostFacts(), now: 1, coreEnabled: false }).notes.includes(
      'no Java stack of the forking thread: jcmd did not finish within 3000 ms: killed',
    ),
    'the reason the daemon recorded is the note',
  );
  assert.equal(bundleFileName(incident.id), 'forkwatch-bundle-0123456789abcdef.json');
  assert.equal(bundleFileName('../x y'), 'forkwatch-bundle-___x_y.json');
});

test('core section: names the core file (path, size, sha256), never inlines it; a removed or refused core says so', () => {
  const base = {
    outcome: 'written' as const,
    path: '/var/lib/forkwatch/cores/0123456789abcdef.4711',
    bytes: 42_555_272,
    sha256: 'ab'.repeat(32),
    estimateBytes: 42_500_000,
    maxBytes: 268_435_456,
    durationMs: 150,
    reason: null,
    command: ['gcore', '-o', '/var/lib/forkwatch/cores/0123456789abcdef', '4711'],
    pid: 4711,
    takenAt: 1_700_000_000_000,
  };
  const withCore = (core: object) => ({ ...incident, evidence: { ...incident.evidence, extra: { core } } });
  const ctx = { version: '9.9.9', host: collectHostFacts(), now: 1_700_000_000_000, coreEnabled: true };
  const w = buildBundle(withCore(base), ctx).core;
  assert.equal(w.outcome, 'written');
  assert.equal(w.path, base.path);
  assert.equal(w.bytes, base.bytes);
  assert.equal(w.sha256, base.sha256);
  assert.equal(w.takenAt, '2023-11-14T22:13:20.000Z');
  assert.equal(w.deleted, null);
  assert.match(w.note, /named, not included/);
  assert.ok(JSON.stringify(w).length < 2000, 'no core bytes in the bundle');
  const d = buildBundle(
    withCore({ ...base, deletedAt: 1_700_000_100_000, deletedReason: 'incident resolved longer ago than retention' }),
    ctx,
  ).core;
  assert.deepEqual(d.deleted, {
    at: '2023-11-14T22:15:00.000Z',
    reason: 'incident resolved longer ago than retention',
  });
  const r = buildBundle(
    withCore({
      ...base,
      outcome: 'refused',
      path: null,
      bytes: null,
      sha256: null,
      reason: 'estimated core size 2396155904 bytes exceeds core.maxBytes 268435456',
    }),
    ctx,
  ).core;
  assert.equal(r.path, null);
  assert.match(r.note, /no core file: refused \(estimated core size/);
});

test('forkingThreadLabel: bounded kind of the forking thread, from the Java name or the 15-byte comm', async () => {
  const { forkingThreadLabel } = await import('../../src/bundle/stuck-thread.js');
  assert.equal(forkingThreadLabel(null), 'unidentified');
  assert.equal(forkingThreadLabel({ name: 'SCM polling for', javaName: null }), 'scm_polling');
  assert.equal(forkingThreadLabel({ name: 'SCM polling for', javaName: 'SCM polling for demo-job' }), 'scm_polling');
  assert.equal(forkingThreadLabel({ name: 'launcher-0' }), 'other');
  assert.equal(forkingThreadLabel({ name: 'Executor #3 fo', javaName: 'Executor #3 for node-1' }), 'other');
});

test('forkRisk section: the stored audit of the JVM (redacted like the rest), or null with a note', () => {
  const ctx = { version: '9.9.9', host: collectHostFacts(), now: 1_700_000_000_000, coreEnabled: false };
  assert.equal(buildBundle(incident, ctx).forkRisk, null);
  assert.ok(buildBundle(incident, ctx).notes.some((n) => /no fork-risk audit/.test(n)));
  const audited = {
    target: 'jenkins',
    pid: 100,
    risk: 'high',
    reasons: [
      { rule: 'jdk-fork-with-preload', level: 'high', evidence: { kind: 'environment', text: 'LD_PRELOAD=/opt/x.so' } },
    ],
    notes: [],
    auditedAt: '2026-12-06T05:00:00.000Z',
  };
  const b = buildBundle({ ...incident, evidence: { ...incident.evidence, extra: { [FORK_RISK_KEY]: audited } } }, ctx);
  assert.equal(b.forkRisk?.risk, 'high');
  assert.equal(b.forkRisk?.reasons[0]?.rule, 'jdk-fork-with-preload');
  assert.ok(!b.notes.some((n) => /no fork-risk audit/.test(n)));
});
