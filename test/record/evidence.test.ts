import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_KERNEL_SAMPLES,
  MAX_RAW_STACK_BYTES,
  toProcessFacts,
  toSuspectObservation,
} from '../../src/record/index.js';
import type { KernelEvidence } from '../../src/capture/types.js';
import type { ChildReport } from '../../src/classify/types.js';
import type { ProcessInfo } from '../../src/scan/types.js';
import { CONFIRM, keyOf, suspect, tempStore } from './fixture.js';

const sample = (at: number): KernelEvidence => ({
  at,
  state: 'S',
  threads: 1,
  wchan: 'futex_do_wait',
  syscall: '202 0x7f 0x80 0x2 0x0',
  syscallNr: 202,
  futexWaitPrivate: true,
  voluntaryCtxtSwitches: 3,
  nonvoluntaryCtxtSwitches: 0,
  cpuTimeMs: 10,
});

test('kernel samples accrue only when something changed, bounded: the first and the newest are kept', (t) => {
  const { store } = tempStore(t);
  const key = keyOf(suspect(5001));
  // A hung child: the same sample every scan (only `at` moves) is kept once.
  for (let i = 0; i < 5; i++) store.observeSuspects(1000 + i, [suspect(5001, undefined, { kernel: sample(1000 + i) })]);
  assert.deepEqual(
    store.get(key)!.evidence.kernel!.map((k) => k.at),
    [1000],
  );
  assert.equal(store.get(key)!.lastSeenAt, 1004);
  // Progress (CPU time moves): each sample is kept, up to the bound.
  const n = MAX_KERNEL_SAMPLES + 7;
  for (let i = 0; i < n; i++)
    store.observeSuspects(2000 + i, [
      suspect(5001, undefined, { kernel: { ...sample(2000 + i), cpuTimeMs: 100 + i } }),
    ]);
  const k = store.get(key)!.evidence.kernel!;
  assert.equal(k.length, MAX_KERNEL_SAMPLES);
  assert.equal(k[0]!.at, 1000);
  assert.equal(k[k.length - 1]!.at, 2000 + n - 1);
  assert.equal(k[1]!.at, 2000 + n - (MAX_KERNEL_SAMPLES - 1));
});

test('raw stack text is capped at 256 KiB without splitting a UTF-8 character; parsed stack loses its raw copy', (t) => {
  const { store } = tempStore(t);
  store.observeSuspects(1000, [suspect(5001)]);
  const key = keyOf(suspect(5001));
  const raw = 'é'.repeat(MAX_RAW_STACK_BYTES); // 2 bytes each: twice the cap
  const inc = store.confirm(key, {
    ...CONFIRM,
    evidence: {
      stackRaw: raw,
      stack: {
        format: 'eu-stack',
        pid: 5001,
        threads: [{ tid: 5001, name: null, frames: [] }],
        warnings: [],
        raw,
      } as never,
      matches: [
        {
          signatureId: 's',
          title: 'T',
          severity: 'critical',
          version: '1',
          source: 'shipped',
          generic: false,
          rule: 'rule 1',
          threadIndex: 0,
          tid: 5001,
          frameIndexes: [0],
          frames: ['fork'],
        },
      ],
    },
  });
  assert.equal(Buffer.byteLength(inc.evidence.stackRaw!, 'utf8'), MAX_RAW_STACK_BYTES);
  assert.ok(!inc.evidence.stackRaw!.includes('\uFFFD'));
  assert.equal(inc.evidence.stackRawTruncated, true);
  assert.equal('raw' in inc.evidence.stack!, false);
  assert.deepEqual(inc.evidence.matches![0]!.frames, ['fork']);
});

test('updateEvidence merges: top-level keys replace, others stay, bulky fields survive small updates', (t) => {
  const { store } = tempStore(t);
  store.observeSuspects(1000, [suspect(5001, undefined, { kernel: sample(1) })]);
  const id = store.list().items[0]!.id;
  store.updateEvidence(id, { stackRaw: 'Thread 1\n#0 fork', threadDump: '"SCM polling for demo-job"' });
  store.updateEvidence(id, { extra: { jdk: '17' }, kernel: [sample(2)] });
  store.observeSuspects(2000, [suspect(5001, undefined, { kernel: { ...sample(3), wchan: 'do_exit' } })]);
  const e = store.get(id)!.evidence;
  assert.equal(e.stackRaw, 'Thread 1\n#0 fork');
  assert.equal(e.stackRawTruncated, false);
  assert.equal(e.threadDump, '"SCM polling for demo-job"');
  assert.deepEqual(e.extra, { jdk: '17' });
  assert.deepEqual(
    e.kernel!.map((k) => k.at),
    [1, 2, 3],
  );
});

test('toSuspectObservation and toProcessFacts turn classify output into store input', () => {
  const proc = (pid: number, cmd: string): ProcessInfo => ({
    pid,
    ppid: 1,
    startTimeMs: 1000 + pid,
    stateCode: 'S',
    state: 'sleeping',
    threads: 1,
    uid: 1000,
    comm: 'launcher-0',
    cmdline: Buffer.from(cmd),
    cmdlineTruncated: false,
    exe: '/usr/bin/java',
    exeDeleted: false,
    exeDev: null,
    exeIno: null,
    cpuTimeMs: 5,
  });
  const report: ChildReport = {
    target: { name: 'jenkins', pid: 10, startTimeMs: 1010 },
    child: proc(20, 'java\0-jar\0jenkins.war\0'),
    depth: 1,
    classification: 'never-execed',
    ageMs: 60_000,
    overdue: true,
    overdueSince: 31_020,
  };
  const o = toSuspectObservation(
    report,
    { name: 'jenkins', process: proc(10, 'java\0-jar\0jenkins.war\0'), user: 'jenkins' },
    sample(5),
  );
  assert.deepEqual(
    [o.targetName, o.targetPid, o.targetStartMs, o.targetUser, o.childPid, o.childStartMs, o.overdueSince],
    ['jenkins', 10, 1010, 'jenkins', 20, 1020, 31_020],
  );
  assert.equal(o.child!.cmdline, 'java -jar jenkins.war');
  assert.equal(o.parent!.user, 'jenkins');
  assert.equal(toProcessFacts(proc(3, 'a\0b')).cmdline, 'a b');
});
