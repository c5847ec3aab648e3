/**
 * Incident store costs (src/record). Run: npx tsx bench/store.ts
 *  - one tick's store work with 0, 10, 100 open incidents: observeSuspects +
 *    resolveMissing + the metrics reads (counts, outboxStats) + the sender's
 *    listDueNotifications for two sinks; synchronous NORMAL and FULL;
 *  - list() throughput over 10,000 incidents (first page, deep cursor page, filtered).
 * The store lives in a temp dir on the same filesystem as /tmp.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type IncidentStore, type SuspectObservation } from '../src/record/index.js';

const SINKS = ['slack', 'alertmanager'];
const TARGET = { targetName: 'jenkins', targetPid: 100, targetStartMs: 1_700_000_000_000, targetUser: 'jenkins' };

function child(j: number): SuspectObservation {
  return {
    ...TARGET,
    childPid: 10_000 + j,
    childStartMs: 1_700_000_100_000 + j,
    overdueSince: 1_700_000_130_000 + j,
    kernel: {
      at: 0,
      state: 'S',
      threads: 1,
      wchan: 'futex_do_wait',
      syscall: '202 0x7f 0x80 0x2 0x0 0x0 0x0',
      syscallNr: 202,
      futexWaitPrivate: true,
      voluntaryCtxtSwitches: 3,
      nonvoluntaryCtxtSwitches: 0,
      cpuTimeMs: 4,
    },
  };
}

function withStore<T>(sync: 'NORMAL' | 'FULL', fn: (s: IncidentStore, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-bench-'));
  const store = openStore({ stateDir: dir, host: 'bench', sinks: SINKS, synchronous: sync });
  try {
    return fn(store, dir);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function stats(samplesUs: number[]): string {
  const s = [...samplesUs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `mean ${mean.toFixed(0)} µs, p50 ${q(0.5).toFixed(0)} µs, p99 ${q(0.99).toFixed(0)} µs`;
}

function benchTick(open: number, sync: 'NORMAL' | 'FULL', ticks: number): string {
  return withStore(sync, (store) => {
    const present = Array.from({ length: open }, (_, j) => child(j));
    const keys = present.map((c) => `bench/${c.targetPid}@${c.targetStartMs}/${c.childPid}@${c.childStartMs}`);
    store.observeSuspects(1, present);
    for (const [j, k] of keys.entries()) {
      if (j % 2 === 0)
        store.confirm(k, {
          signatureId: 'sig',
          signatureTitle: 'T',
          signatureVersion: '1',
          severity: 'critical',
          fingerprint: 'fp',
          evidence: { stackRaw: '#0 fork\n'.repeat(400) },
        });
    }
    const samples: number[] = [];
    for (let i = 0; i < ticks; i++) {
      const now = 1_800_000_000_000 + i * 15_000;
      const t0 = performance.now();
      store.observeSuspects(now, present);
      store.resolveMissing(now, keys, ['jenkins']);
      store.counts();
      store.outboxStats(now);
      for (const sink of SINKS) store.listDueNotifications(sink, 0, 50);
      samples.push((performance.now() - t0) * 1000);
    }
    return `tick, ${String(open).padStart(3)} open, synchronous=${sync}: ${stats(samples)} (${ticks} ticks)`;
  });
}

function benchList(): string[] {
  return withStore('NORMAL', (store, dir) => {
    const N = 10_000;
    for (let b = 0; b < N / 500; b++) {
      const batch = Array.from({ length: 500 }, (_, j) => child(b * 500 + j));
      store.observeSuspects(1_700_000_000_000 + b * 1000, batch);
      store.resolveMissing(1_700_000_000_500 + b * 1000, [], ['jenkins']); // keep them resolved: open set stays small
    }
    const deep = (() => {
      let cursor: string | null = null;
      for (let i = 0; i < 100; i++) cursor = store.list({ limit: 50, cursor }).nextCursor;
      return cursor;
    })();
    const rate = (label: string, fn: () => unknown): string => {
      const until = performance.now() + 1500;
      let n = 0;
      while (performance.now() < until) {
        fn();
        n++;
      }
      return `list over ${N} incidents, ${label}: ${Math.round(n / 1.5)} calls/s`;
    };
    const size = statSync(join(dir, 'forkwatch.db')).size + statSync(join(dir, 'forkwatch.db-wal')).size;
    return [
      rate('first page of 50', () => store.list({ limit: 50 })),
      rate('page 101 of 50 (cursor)', () => store.list({ limit: 50, cursor: deep })),
      rate('state=resolved&target=jenkins, 50', () => store.list({ limit: 50, state: 'resolved', target: 'jenkins' })),
      rate('state=open (none match), 50', () => store.list({ limit: 50, state: 'open' })),
      `store file with ${N} resolved incidents (db + wal): ${(size / 1e6).toFixed(1)} MB`,
    ];
  });
}

const lines: string[] = [];
for (const sync of ['NORMAL', 'FULL'] as const)
  for (const open of [0, 10, 100]) lines.push(benchTick(open, sync, open === 100 ? 300 : 1000));
lines.push(...benchList());
console.log(lines.join('\n'));
