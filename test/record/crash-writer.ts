/**
 * Writes to a store in a tight loop, as the daemon and the alert sender would,
 * until it is SIGKILLed (crash.test.ts). After each operation returns (= its
 * transaction committed) it reports it on fd 1 with a synchronous write, so the
 * test knows what must have survived:
 *   O key   incident opened      C key   confirmed
 *   M key   remediated           R key   resolved
 *   S id    notification marked sent
 * Children: child j lives from t0 + j*STEP_MS for LIFE_MS (wall clock), so
 * successive writer processes see the same children and must continue them.
 */
import { writeSync } from 'node:fs';
import { openStore, type SuspectObservation } from '../../src/record/index.js';

const [dir, t0Text] = process.argv.slice(2);
const t0 = Number(t0Text);
const STEP_MS = 40;
const LIFE_MS = 1200;
const CHILDREN = 2000;

const report = (line: string): void => {
  writeSync(1, `${line}\n`);
};

const store = openStore({ stateDir: dir!, host: 'crash-host', sinks: ['slack', 'alertmanager'] });
report('ready');

const child = (j: number): SuspectObservation => ({
  targetName: 'jenkins',
  targetPid: 100,
  targetStartMs: t0 - 60_000,
  targetUser: 'jenkins',
  childPid: 10_000 + j,
  childStartMs: t0 + j * STEP_MS,
  overdueSince: t0 + j * STEP_MS,
  kernel: {
    at: Date.now(),
    state: 'S',
    threads: 1,
    wchan: 'futex_do_wait',
    syscall: '202 0x0 0x80',
    syscallNr: 202,
    futexWaitPrivate: true,
    voluntaryCtxtSwitches: 2,
    nonvoluntaryCtxtSwitches: 0,
    cpuTimeMs: 1,
  },
});

for (let tick = 0; ; tick++) {
  const now = Date.now();
  const present: SuspectObservation[] = [];
  for (let j = 0; j < CHILDREN; j++) {
    const start = t0 + j * STEP_MS;
    if (start <= now && now < start + LIFE_MS) present.push(child(j));
  }
  const observed = store.observeSuspects(now, present);
  for (const o of observed.opened) report(`O ${o.key}`);
  for (const s of present) {
    const j = s.childPid - 10_000;
    const key = `crash-host/100@${s.targetStartMs}/${s.childPid}@${s.childStartMs}`;
    const inc = store.get(key);
    if (!inc) continue;
    if (j % 3 !== 0 && inc.state === 'suspect') {
      store.confirm(key, {
        signatureId: 'sig',
        signatureTitle: 'T',
        signatureVersion: '1',
        severity: 'critical',
        fingerprint: `fp${j}`,
        evidence: { stackRaw: `#0 fork child ${j}\n`.repeat(50) },
      });
      report(`C ${key}`);
    } else if (j % 5 === 1 && inc.state === 'confirmed') {
      store.markRemediated(inc.id, {
        at: now,
        action: 'remediate',
        mode: 'kill',
        outcome: 'killed',
        detail: 'SIGKILL',
      });
      report(`M ${key}`);
    } else if (inc.state !== 'suspect' && tick % 7 === 0) {
      store.enqueueReminder(inc.id, 1 + (tick % 3));
    }
  }
  for (const r of store.resolveMissing(
    now,
    present.map((s) => `crash-host/100@${s.targetStartMs}/${s.childPid}@${s.childStartMs}`),
    ['jenkins'],
  )) {
    report(`R ${r.key}`);
  }
  for (const sink of ['slack', 'alertmanager']) {
    for (const n of store.listDueNotifications(sink, now, 5)) {
      if (n.id % 2 === 0) {
        store.markNotificationSent(n.id, now, '200 ok');
        report(`S ${n.id}`);
      } else {
        store.markNotificationRetry(n.id, now + 1, 'HTTP 503');
      }
    }
  }
}
