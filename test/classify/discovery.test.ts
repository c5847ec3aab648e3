/**
 * Streaming discovery (procfs): only processes a target matches are kept,
 * plus the same-image ancestors clone elimination walks through, read again
 * one by one. The answer must be the one discoverTargets gives over a full
 * listing, on fake /proc trees and on random ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createScanner } from '../../src/stages/scanner.js';
import { discoverStreaming, discoverTargets, type Matched, type ProcessStream } from '../../src/classify/targets.js';
import type { ScanReport } from '../../src/classify/types.js';
import type { TargetConfig } from '../../src/config/config.js';
import { resolveConfig } from '../../src/config/load.js';
import { discoveryNeeds, matchesTarget, type DiscoveryContext } from '../../src/scan/discover.js';
import { ProcfsSource } from '../../src/scan/procfs.js';
import { newTally } from '../../src/scan/tally.js';
import type { ProcessInfo } from '../../src/scan/types.js';
import { loadUserNames } from '../../src/scan/users.js';
import { createFakeProc, FAKE_BTIME, FAKE_CLK_TCK, type FakeProcess, type FakeProc } from '../helpers/fake-proc.js';
import { compileSafeRegex } from '../../src/util/safe-regex.js';

const JVM = ['/usr/lib/jvm/bin/java', '-jar', '/usr/share/java/jenkins.war'];
const NOW = (FAKE_BTIME + 10_000) * 1000;
const OLD = 100 * FAKE_CLK_TCK;

type RawTarget = { name: string; cmdline?: string; exe?: string; user?: string; pid?: number };

/** The context the scanner builds (discoveryContext), for the reference answer. */
function hostContext(): DiscoveryContext {
  const users = loadUserNames();
  return { selfPid: process.pid, userName: (uid) => users.get(uid) ?? null, pidfilePid: () => null };
}

function scannerOn(fake: FakeProc, targets: RawTarget[]) {
  const config = resolveConfig({
    targets,
    hungAfter: '60s',
    rediscoverInterval: '1h',
    procRoot: fake.root,
    source: 'procfs',
  });
  let now = NOW;
  const scanner = createScanner(config, { clockTicks: FAKE_CLK_TCK, now: () => now, host: 'test' });
  return { config, scanner, advance: (ms: number) => (now += ms) };
}

/** What the old code answered: discoverTargets over the whole listing. */
function fullListingAnswer(fake: FakeProc, targets: TargetConfig[]) {
  const listing = new ProcfsSource(fake.root, FAKE_CLK_TCK).listAll(discoveryNeeds(targets), newTally('procfs'))!;
  const { matched, missing } = discoverTargets(targets, listing, hostContext());
  return { listing, targets: matched.map((m) => ({ name: m.name, pid: m.process.pid })), missing };
}

const answerOf = (r: ScanReport) => ({
  targets: r.targets.map((t) => ({ name: t.name, pid: t.process.pid })),
  missing: r.missingTargets,
});
const childPids = (r: ScanReport) => r.children.map((c) => c.child.pid).sort((a, b) => a - b);

function withFake<T>(fake: FakeProc, fn: () => Promise<T> | T): Promise<T> {
  return Promise.resolve()
    .then(fn)
    .finally(() => fake.cleanup());
}

function jenkinsHost(opts: { noChildrenFiles?: boolean } = {}) {
  const fake = createFakeProc(opts);
  const java = fake.binary('java');
  fake.add({ pid: 1, ppid: 0, comm: 'init', cmdline: ['/sbin/init'], exe: fake.binary('init'), startTicks: 1 });
  for (let pid = 500; pid < 530; pid++)
    fake.add({ pid, ppid: 1, comm: 'sleep', cmdline: ['sleep', '1000'], exe: fake.binary('sleep'), startTicks: OLD });
  return { fake, java, unrelated: 31 };
}

test("discovery: the target's clone and a clone of that clone match the selector too, only the target is found", async () => {
  const { fake, java, unrelated } = jenkinsHost();
  fake.add({ pid: 10, ppid: 1, cmdline: JVM, exe: java, startTicks: 50, threads: 40 });
  fake.add({
    pid: 11,
    ppid: 10,
    comm: 'SCM polling f',
    cmdline: JVM,
    exe: java,
    startTicks: OLD,
    wchan: 'futex_do_wait',
  });
  fake.add({
    pid: 12,
    ppid: 11,
    comm: 'SCM polling f',
    cmdline: JVM,
    exe: java,
    startTicks: OLD,
    wchan: 'futex_do_wait',
  });
  await withFake(fake, async () => {
    const { config, scanner } = scannerOn(fake, [{ name: 'jenkins', cmdline: 'jenkins\\.war' }]);
    const r = await scanner.scan();
    assert.deepEqual(answerOf(r), { targets: [{ name: 'jenkins', pid: 10 }], missing: [] });
    assert.deepEqual(answerOf(r), { targets: fullListingAnswer(fake, config.targets).targets, missing: [] });
    assert.deepEqual(childPids(r), [11, 12]);
    assert.equal(r.stats.mode, 'full');
    // Every process once; init read again (is the target a clone of it?), not the clones (their parents are matches);
    // then the target and its two descendants in full.
    assert.equal(r.stats.processesRead, unrelated + 3 + 1 + 1 + 2);
  });
});

test('discovery: a match whose same-image parent does not match, but whose grandparent does, is a clone (parent read again)', async () => {
  const { fake, java, unrelated } = jenkinsHost();
  // The selector narrows by user: the intermediate clone runs as another uid, so only it is not a match.
  fake.add({ pid: 20, ppid: 1, cmdline: JVM, exe: java, uid: 1000, startTicks: 50 });
  fake.add({ pid: 21, ppid: 20, cmdline: JVM, exe: java, uid: 1001, startTicks: OLD });
  fake.add({ pid: 22, ppid: 21, cmdline: JVM, exe: java, uid: 1000, startTicks: OLD, wchan: 'futex_do_wait' });
  await withFake(fake, async () => {
    const { config, scanner } = scannerOn(fake, [{ name: 'jenkins', cmdline: 'jenkins\\.war', user: '^1000$' }]);
    const reference = fullListingAnswer(fake, config.targets);
    const ctx = hostContext();
    const hitsOnly = reference.listing.filter((p) => config.targets.some((t) => matchesTarget(t, p, ctx)));
    assert.equal(
      discoverTargets(config.targets, hitsOnly, ctx).matched.length,
      2,
      'the case needs the ancestor: matches alone find 22 too',
    );
    const r = await scanner.scan();
    assert.deepEqual(answerOf(r), { targets: reference.targets, missing: reference.missing });
    assert.deepEqual(answerOf(r).targets, [{ name: 'jenkins', pid: 20 }]);
    assert.deepEqual(childPids(r), [21, 22]);
    // Listing + init and the intermediate read again + the target and its two descendants in full.
    assert.equal(r.stats.processesRead, unrelated + 3 + 2 + 1 + 2);
    assert.equal(r.stats.vanished, 0);
  });
});

test('kernel without children files: discovery and later scans find the descendants from a streamed ppid map', async () => {
  const { fake, java, unrelated } = jenkinsHost({ noChildrenFiles: true });
  fake.add({ pid: 10, ppid: 1, cmdline: JVM, exe: java, startTicks: 50 });
  fake.add({
    pid: 11,
    ppid: 10,
    comm: 'SCM polling f',
    cmdline: JVM,
    exe: java,
    startTicks: OLD,
    wchan: 'futex_do_wait',
  });
  fake.add({ pid: 12, ppid: 10, comm: 'git', cmdline: ['git', 'fetch'], exe: fake.binary('git'), startTicks: OLD });
  fake.add({
    pid: 13,
    ppid: 11,
    comm: 'SCM polling f',
    cmdline: JVM,
    exe: java,
    startTicks: OLD,
    wchan: 'futex_do_wait',
  });
  await withFake(fake, async () => {
    const { scanner, advance } = scannerOn(fake, [{ name: 'jenkins', cmdline: 'jenkins\\.war' }]);
    const first = await scanner.scan();
    assert.deepEqual(answerOf(first).targets, [{ name: 'jenkins', pid: 10 }]);
    assert.deepEqual(childPids(first), [11, 12, 13]);
    advance(15_000);
    const second = await scanner.scan(); // children files unsupported: targeted walk falls back to the ppid map
    assert.equal(second.stats.mode, 'full');
    assert.deepEqual(childPids(second), [11, 12, 13]);
    fake.add({ pid: 14, ppid: 10, comm: 'launcher', cmdline: JVM, exe: java, startTicks: OLD });
    advance(15_000);
    const third = await scanner.scan();
    assert.equal(third.stats.mode, 'full');
    assert.deepEqual(childPids(third), [11, 12, 13, 14], 'the map is rebuilt each scan');
    assert.deepEqual(answerOf(third).targets, [{ name: 'jenkins', pid: 10 }]);
    // The target refreshed, every process listed once for the map, each descendant in full.
    assert.equal(third.stats.processesRead, 1 + (unrelated + 5) + 4);
  });
});

test('discovery: an ancestor that vanishes between the listing and its re-read is skipped and counted, not an error', async () => {
  const { fake, java } = jenkinsHost();
  fake.add({ pid: 20, ppid: 1, cmdline: JVM, exe: java, uid: 1000, startTicks: 50 });
  fake.add({ pid: 21, ppid: 20, cmdline: JVM, exe: java, uid: 1001, startTicks: OLD });
  fake.add({ pid: 22, ppid: 21, cmdline: JVM, exe: java, uid: 1000, startTicks: OLD });
  await withFake(fake, () => {
    const config = resolveConfig({
      targets: [{ name: 'jenkins', cmdline: 'jenkins\\.war', user: '^1000$' }],
      procRoot: fake.root,
    });
    const source = new ProcfsSource(fake.root, FAKE_CLK_TCK);
    const needs = discoveryNeeds(config.targets);
    const tally = newTally('procfs');
    const stream: ProcessStream = {
      each: (visit) => {
        const listed = source.eachProcess(needs, tally, visit);
        fake.remove(21); // exits after the listing saw it
        return listed;
      },
      read: (pid) => source.readLight(pid, needs, tally),
    };
    const found = discoverStreaming(config.targets, stream, hostContext());
    // Without its parent, 22 cannot be shown a clone: a match, as a listing without 21 says.
    const pids = found!.matched.map((m) => m.process.pid).sort((a, b) => a - b);
    assert.deepEqual(pids, [20, 22]);
    assert.deepEqual(
      pids,
      fullListingAnswer(fake, config.targets)
        .targets.map((t) => t.pid)
        .sort((a, b) => a - b),
    );
    assert.equal(tally.stats.vanished, 1);
    assert.deepEqual(tally.warnings, []);
  });
});

// ---- in memory: random trees, and the 16-level bound ----

const IMAGES = [Buffer.from('java\0-jar\0jenkins.war\0'), Buffer.from('sleep\x001000\0'), Buffer.alloc(0)];

function proc(over: Partial<ProcessInfo> & { pid: number; ppid: number }): ProcessInfo {
  return {
    startTimeMs: 0,
    stateCode: 'S',
    state: 'sleeping',
    threads: 1,
    uid: 1000,
    comm: 'java',
    cmdline: IMAGES[0]!,
    cmdlineTruncated: false,
    exe: '/java',
    exeDeleted: false,
    exeDev: 1,
    exeIno: 7,
    cpuTimeMs: 0,
    wchan: null,
    ...over,
  };
}

const memoryContext = (selfPid = -1): DiscoveryContext => ({
  selfPid,
  userName: (uid) => (uid === 1000 ? 'jenkins' : null),
  pidfilePid: () => null,
});

/** A stream over a list; read(pid) finds the process in `readable` (default: the list), counting reads. */
function memoryStream(listing: ProcessInfo[], readable = listing) {
  const byPid = new Map(readable.map((p) => [p.pid, p]));
  const reads: number[] = [];
  const stream: ProcessStream = {
    each: (visit) => {
      listing.forEach(visit);
      return true;
    },
    read: (pid) => {
      reads.push(pid);
      return byPid.get(pid) ?? null;
    },
  };
  return { stream, reads };
}

const summary = (r: { matched: Matched[]; missing: string[] } | null) =>
  r && { matched: r.matched.map((m) => [m.name, m.process.pid]), missing: r.missing };

test('streaming discovery follows same-image ancestors as far as discoverTargets does (16 levels), no further', () => {
  const targets: TargetConfig[] = [{ name: 'jenkins', user: compileSafeRegex('^jenkins$') }];
  for (const between of [14, 15, 16, 17]) {
    // 1 (a match) ← between clones of another uid ← 100 (a match)
    const listing = [proc({ pid: 1, ppid: 0 })];
    for (let i = 0; i < between; i++) listing.push(proc({ pid: 2 + i, ppid: 1 + i, uid: 1001 }));
    listing.push(proc({ pid: 100, ppid: 1 + between }));
    const { stream, reads } = memoryStream(listing);
    const got = summary(discoverStreaming(targets, stream, memoryContext()));
    assert.deepEqual(got, summary(discoverTargets(targets, listing, memoryContext())), `${between} between`);
    assert.deepEqual(
      got!.matched,
      between < 16
        ? [['jenkins', 1]]
        : [
            ['jenkins', 1],
            ['jenkins', 100],
          ],
      `${between} between`,
    );
    assert.equal(
      reads.length,
      1 + Math.min(between, 16),
      "pid 1's parent, then each intermediate once within the bound",
    );
  }
});

test('streaming discovery: an unlistable stream is null; an unreadable ancestor ends the walk like a missing one', () => {
  const targets: TargetConfig[] = [{ name: 'jenkins', user: compileSafeRegex('^jenkins$') }];
  assert.equal(discoverStreaming(targets, { each: () => false, read: () => null }, memoryContext()), null);
  const listing = [proc({ pid: 1, ppid: 0 }), proc({ pid: 2, ppid: 1, uid: 1001 }), proc({ pid: 3, ppid: 2 })];
  const { stream, reads } = memoryStream(listing, [listing[0]!, listing[2]!]);
  assert.deepEqual(summary(discoverStreaming(targets, stream, memoryContext())), {
    matched: [
      ['jenkins', 1],
      ['jenkins', 3],
    ],
    missing: [],
  });
  assert.deepEqual(reads, [0, 2]);
  assert.deepEqual(summary(discoverStreaming(targets, memoryStream(listing).stream, memoryContext())), {
    matched: [['jenkins', 1]],
    missing: [],
  });
});

const targetArb = (pids: number[]) =>
  fc.record(
    {
      cmdline: fc.constantFrom(...['jenkins', 'sleep', 'java'].map((r) => compileSafeRegex(r))),
      exe: fc.constantFrom(...['^/java$', 'k'].map((r) => compileSafeRegex(r))),
      user: fc.constantFrom(...['^jenkins$', '^1001$'].map((r) => compileSafeRegex(r))),
      pid: fc.constantFrom(...pids),
    },
    { requiredKeys: [] },
  );

const processArb = (pids: number[]) =>
  fc.record({
    ppid: fc.constantFrom(0, 999, ...pids), // 999: a parent not in the listing; cycles allowed
    image: fc.nat(IMAGES.length - 1),
    exe: fc.constantFrom<[string | null, number | null]>(['/java', 7], ['/java', 8], ['/k', 9], [null, null]),
    uid: fc.constantFrom(1000, 1001, null),
    zombie: fc.boolean(),
  });

const memoryCaseArb = fc.integer({ min: 1, max: 24 }).chain((n) => {
  const pids = Array.from({ length: n }, (_, i) => 2 + i);
  return fc.record({
    procs: fc.array(processArb(pids), { minLength: n, maxLength: n }),
    order: fc.shuffledSubarray(pids, { minLength: n, maxLength: n }),
    targets: fc.array(targetArb(pids), { minLength: 1, maxLength: 3 }),
    self: fc.constantFrom(-1, ...pids),
  });
});

test('property: streaming discovery == discoverTargets over the full listing (random in-memory trees)', () => {
  fc.assert(
    fc.property(memoryCaseArb, ({ procs, order, targets, self }) => {
      const byPid = new Map(
        procs.map((p, i) => {
          const pid = 2 + i;
          const [exe, exeIno] = p.exe;
          const info = proc({
            pid,
            ppid: p.ppid,
            cmdline: p.zombie ? IMAGES[2]! : IMAGES[p.image]!,
            exe,
            exeIno,
            exeDev: exeIno === null ? null : 1,
            uid: p.uid,
            state: p.zombie ? 'zombie' : 'sleeping',
            stateCode: p.zombie ? 'Z' : 'S',
          });
          return [pid, info] as const;
        }),
      );
      const listing = order.map((pid) => byPid.get(pid)!);
      const configured: TargetConfig[] = targets.map((t, i) => ({ name: `t${i}`, ...t }));
      const { stream } = memoryStream(listing);
      const ctx = memoryContext(self);
      assert.deepEqual(
        summary(discoverStreaming(configured, stream, ctx)),
        summary(discoverTargets(configured, listing, ctx)),
      );
    }),
    { numRuns: 2000 },
  );
});

// ---- the real scanner on random fake /proc trees ----

const fakeCaseArb = fc.integer({ min: 1, max: 10 }).chain((n) => {
  const pids = Array.from({ length: n }, (_, i) => 10 + i);
  return fc.record({
    procs: fc.array(
      fc.record({
        ppid: fc.constantFrom(1, ...pids),
        image: fc.constantFrom('jvm', 'jvm-other-binary', 'sleep', 'zombie'),
        uid: fc.constantFrom(1000, 1001),
      }),
      { minLength: n, maxLength: n },
    ),
    targets: fc.array(
      fc
        .record(
          {
            cmdline: fc.constantFrom('jenkins', 'sleep'),
            user: fc.constantFrom('^1000$', '^1001$'),
            pid: fc.constantFrom(...pids),
          },
          { requiredKeys: [] },
        )
        // The config refuses a target without a selector (tested in test/config); only valid configs reach the scanner.
        .filter((t) => Object.keys(t).length > 0),
      { minLength: 1, maxLength: 2 },
    ),
  });
});

test('property: the procfs scanner discovers what discoverTargets finds in the full listing (random fake /proc trees)', async () => {
  await fc.assert(
    fc.asyncProperty(fakeCaseArb, async ({ procs, targets }) => {
      const fake = createFakeProc();
      await withFake(fake, async () => {
        const bins = { jvm: fake.binary('java'), other: fake.binary('java-other') };
        fake.add({ pid: 1, ppid: 0, comm: 'init', cmdline: ['/sbin/init'], startTicks: 1 });
        procs.forEach((p, i) => {
          const base: FakeProcess = {
            pid: 10 + i,
            ppid: p.ppid === 10 + i ? 1 : p.ppid,
            uid: p.uid,
            cmdline: JVM,
            startTicks: OLD,
          };
          if (p.image === 'jvm') fake.add({ ...base, exe: bins.jvm });
          else if (p.image === 'jvm-other-binary') fake.add({ ...base, exe: bins.other });
          else if (p.image === 'sleep') fake.add({ ...base, comm: 'sleep', cmdline: ['sleep', '9'] });
          else fake.add({ ...base, state: 'Z', cmdline: [] });
        });
        const raw = targets.map((t, i) => ({ name: `t${i}`, ...t }));
        const { config, scanner } = scannerOn(fake, raw);
        const reference = fullListingAnswer(fake, config.targets);
        assert.deepEqual(answerOf(await scanner.scan()), { targets: reference.targets, missing: reference.missing });
      });
    }),
    { numRuns: 40 },
  );
});
