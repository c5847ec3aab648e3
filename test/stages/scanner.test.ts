import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { createScanner, RECOVERY_WINDOW_MS } from '../../src/stages/scanner.js';
import { exitStatusOf } from '../../src/cli/scan-report.js';
import { resolveConfig } from '../../src/config/load.js';
import type { ScanReport } from '../../src/classify/types.js';
import { createFakeProc, FAKE_BTIME, FAKE_CLK_TCK, type FakeProc } from '../helpers/fake-proc.js';

const JVM = ['/usr/lib/jvm/bin/java', '-Xmx2g', '-jar', '/usr/share/java/jenkins.war'];
const NOW = (FAKE_BTIME + 10_000) * 1000; // 10,000 s after boot
const OLD = 100 * FAKE_CLK_TCK; // started 100 s after boot: ~2.7 h old
const YOUNG = 9_990 * FAKE_CLK_TCK; // 10 s old

function setup(opts: { noChildrenFiles?: boolean } = {}) {
  const fake = createFakeProc(opts);
  const java = fake.binary('java');
  const git = fake.binary('git');
  fake.add({ pid: 1, ppid: 0, comm: 'init', cmdline: ['/sbin/init'], exe: fake.binary('init'), startTicks: 1 });
  fake.add({ pid: 10, ppid: 1, cmdline: JVM, exe: java, startTicks: 50, threads: 40 });
  // A post-fork deadlock: the JVM's image, comm = the forking thread's name, a futex wait.
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
    ppid: 10,
    comm: 'git',
    cmdline: ['git', 'fetch'],
    exe: git,
    startTicks: OLD,
    wchan: 'pipe_read',
  });
  fake.add({ pid: 13, ppid: 10, comm: 'launcher-0', state: 'Z', cmdline: [], startTicks: OLD });
  fake.add({
    pid: 14,
    ppid: 10,
    comm: 'launcher-1',
    cmdline: JVM,
    exe: java,
    startTicks: YOUNG,
    wchan: 'futex_do_wait',
  });
  fake.add({ pid: 15, ppid: 10, comm: 'worker', cmdline: JVM, exe: java, startTicks: OLD, wchan: 'hrtimer_nanosleep' });
  fake.add({ pid: 16, ppid: 15, comm: 'worker', cmdline: JVM, exe: java, startTicks: OLD, wchan: 'futex_do_wait' });
  // Same argv, other binary: exec'd.
  fake.add({
    pid: 17,
    ppid: 10,
    comm: 'java',
    cmdline: JVM,
    exe: fake.binary('java-other'),
    startTicks: OLD,
    wchan: 'futex_do_wait',
  });
  for (let pid = 500; pid < 520; pid++)
    fake.add({ pid, ppid: 1, comm: 'sleep', cmdline: ['sleep', '1000'], exe: fake.binary('sleep'), startTicks: OLD });
  const config = resolveConfig({
    targets: [{ name: 'jenkins', cmdline: 'jenkins\\.war' }],
    hungAfter: '60s',
    rediscoverInterval: '1h',
    procRoot: fake.root,
    source: 'procfs',
  });
  let now = NOW;
  const scanner = createScanner(config, { clockTicks: FAKE_CLK_TCK, now: () => now, host: 'test' });
  return { fake, java, git, scanner, advance: (ms: number) => (now += ms) };
}

function byPid(r: ScanReport) {
  return Object.fromEntries(
    r.children.map((c) => [c.child.pid, { cls: c.classification, overdue: c.overdue, depth: c.depth }]),
  );
}

function withFake<T>(fake: FakeProc, fn: () => Promise<T>): Promise<T> {
  return fn().finally(() => fake.cleanup());
}

test("fake procfs: clone vs exec'd vs zombie, grandchildren, the target found once", async () => {
  const { fake, scanner } = setup();
  await withFake(fake, async () => {
    const r = await scanner.scan();
    assert.deepEqual(
      r.targets.map((t) => t.process.pid),
      [10],
      'clones match the selector too, but are children',
    );
    assert.deepEqual(byPid(r), {
      11: { cls: 'never-execed', overdue: true, depth: 1 },
      12: { cls: 'execed', overdue: false, depth: 1 },
      13: { cls: 'zombie', overdue: false, depth: 1 },
      14: { cls: 'never-execed', overdue: false, depth: 1 },
      15: { cls: 'never-execed', overdue: false, depth: 1 },
      16: { cls: 'never-execed', overdue: true, depth: 2 },
      17: { cls: 'execed', overdue: false, depth: 1 },
    });
    const hung = r.children.find((c) => c.child.pid === 11)!;
    assert.equal(hung.ageMs, NOW - fake.startTimeMs(OLD));
    assert.equal(hung.child.comm, 'SCM polling f');
    assert.equal(r.stats.mode, 'full');
    assert.equal(exitStatusOf(r), 1);
  });
});

test('steady state reads only the target and its descendants, however many unrelated processes', async () => {
  const { fake, scanner, advance } = setup();
  await withFake(fake, async () => {
    await scanner.scan();
    advance(15_000);
    const second = await scanner.scan();
    assert.equal(second.stats.mode, 'targeted');
    const readBefore = second.stats.processesRead;
    assert.equal(readBefore, 1 + 7, 'the target and its 7 descendants');
    for (let pid = 1000; pid < 1200; pid++)
      fake.add({ pid, ppid: 1, cmdline: ['sleep', '9'], exe: fake.binary('sleep'), startTicks: OLD });
    advance(15_000);
    const third = await scanner.scan();
    assert.equal(third.stats.mode, 'targeted');
    assert.equal(third.stats.processesRead, readBefore);
    assert.deepEqual(byPid(third), byPid(second));
  });
});

test('vanished pid (in a children file, gone from /proc) is counted, not an error', async () => {
  const { fake, scanner, advance } = setup();
  await withFake(fake, async () => {
    await scanner.scan(); // discovery: a full listing, which never sees pid 99
    fake.addDanglingChild(10, 99);
    advance(15_000);
    const r = await scanner.scan();
    assert.equal(r.stats.mode, 'targeted');
    assert.equal(r.stats.vanished, 1);
    assert.equal(
      r.children.some((c) => c.child.pid === 99),
      false,
    );
    assert.equal(exitStatusOf(r), 1);
  });
});

test("reused pid: a child pid that now names an exec'd process is a new process", async () => {
  const { fake, git, scanner, advance } = setup();
  await withFake(fake, async () => {
    await scanner.scan();
    fake.remove(11);
    fake.add({
      pid: 11,
      ppid: 10,
      comm: 'git',
      cmdline: ['git', 'ls-remote'],
      exe: git,
      startTicks: 9_999 * FAKE_CLK_TCK,
    });
    advance(15_000);
    const r = await scanner.scan();
    assert.deepEqual(byPid(r)[11], { cls: 'execed', overdue: false, depth: 1 });
    assert.equal(r.children.find((c) => c.child.pid === 11)!.child.startTimeMs, fake.startTimeMs(9_999 * FAKE_CLK_TCK));
  });
});

test('target pid dies or is reused: rediscovered at once, not at the next rediscover interval', async () => {
  const { fake, java, scanner, advance } = setup();
  await withFake(fake, async () => {
    assert.deepEqual(
      (await scanner.scan()).targets.map((t) => t.process.pid),
      [10],
    );
    // The JVM restarts under pid 40; pid 10 is reused by an unrelated process.
    for (const pid of [11, 13, 14, 15, 16, 17, 12]) fake.remove(pid);
    fake.remove(10);
    fake.add({
      pid: 10,
      ppid: 1,
      comm: 'sh',
      cmdline: ['/bin/sh'],
      exe: fake.binary('sh'),
      startTicks: 9_000 * FAKE_CLK_TCK,
    });
    fake.add({ pid: 40, ppid: 1, cmdline: JVM, exe: java, startTicks: 9_500 * FAKE_CLK_TCK, threads: 30 });
    advance(15_000);
    const r = await scanner.scan();
    assert.equal(r.stats.mode, 'full');
    assert.deepEqual(
      r.targets.map((t) => t.process.pid),
      [40],
    );
    assert.equal(exitStatusOf(r), 0);
    fake.remove(40);
    advance(15_000);
    const gone = await scanner.scan();
    assert.deepEqual(gone.targets, []);
    assert.deepEqual(gone.missingTargets, ['jenkins']);
    assert.equal(exitStatusOf(gone), 3);
  });
});

test('a lost target is looked for on every tick until it is back, for RECOVERY_WINDOW_MS at most, not at the next rediscover interval', async () => {
  const { fake, java, scanner, advance } = setup();
  await withFake(fake, async () => {
    assert.deepEqual(
      (await scanner.scan()).targets.map((t) => t.process.pid),
      [10],
    );
    // Jenkins stops; its replacement is not up yet at the next tick.
    for (const pid of [10, 11, 12, 13, 14, 15, 16, 17]) fake.remove(pid);
    advance(15_000);
    const lost = await scanner.scan();
    assert.equal(lost.stats.mode, 'full');
    assert.deepEqual(lost.missingTargets, ['jenkins']);
    // Up a tick later: found at that tick (rediscoverInterval is 1h here).
    fake.add({ pid: 40, ppid: 1, cmdline: JVM, exe: java, startTicks: 9_500 * FAKE_CLK_TCK, threads: 30 });
    advance(15_000);
    const back = await scanner.scan();
    assert.equal(back.stats.mode, 'full');
    assert.deepEqual(
      back.targets.map((t) => t.process.pid),
      [40],
    );
    advance(15_000);
    assert.equal((await scanner.scan()).stats.mode, 'targeted', 'every selector matched again: back to targeted scans');

    // Gone for good: every tick looks for it for RECOVERY_WINDOW_MS, then only every rediscoverInterval.
    fake.remove(40);
    const modes: string[] = [];
    for (let t = 15_000; t <= RECOVERY_WINDOW_MS + 30_000; t += 15_000) {
      advance(15_000);
      const r = await scanner.scan();
      assert.deepEqual(r.missingTargets, ['jenkins']);
      modes.push(r.stats.mode ?? '?');
    }
    const full = modes.filter((m) => m === 'full').length;
    assert.equal(full, RECOVERY_WINDOW_MS / 15_000, modes.join(' '));
    assert.deepEqual(modes.slice(full), ['targeted', 'targeted'], modes.join(' '));
  });
});

test('kernel without children files: falls back to a full listing, same answer', async () => {
  const { fake, scanner, advance } = setup({ noChildrenFiles: true });
  await withFake(fake, async () => {
    const first = await scanner.scan();
    advance(15_000);
    const second = await scanner.scan();
    assert.equal(second.stats.mode, 'full');
    assert.deepEqual(byPid(second), byPid(first));
    assert.equal(byPid(second)[11]!.overdue, true);
  });
});

test('malformed stat of a descendant is counted and warned, the rest still classified', async () => {
  const { fake, scanner, advance } = setup();
  await withFake(fake, async () => {
    await scanner.scan();
    writeFileSync(`${fake.root}/12/stat`, '12 (git) S'); // truncated
    advance(15_000);
    const r = await scanner.scan();
    assert.equal(r.stats.malformed, 1);
    assert.match(r.warnings.map((w) => w.message).join('\n'), /malformed/);
    assert.equal(byPid(r)[11]!.overdue, true);
  });
});
