import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ProcfsSource } from '../../src/scan/procfs.js';
import { newTally } from '../../src/scan/tally.js';
import { childrenMap } from '../../src/scan/tree.js';
import type { ProcessInfo } from '../../src/scan/types.js';
import { createFakeProc, FAKE_CLK_TCK, type FakeProc } from '../helpers/fake-proc.js';

const LIGHT = { exe: false, status: false };

function tree(): FakeProc {
  const fake = createFakeProc();
  const java = fake.binary('java');
  fake.add({ pid: 1, ppid: 0, comm: 'init', cmdline: ['/sbin/init'], uid: 0 });
  fake.add({ pid: 10, ppid: 1, cmdline: ['java', '-jar', 'jenkins.war'], exe: java, uid: 1000 });
  fake.add({ pid: 11, ppid: 10, cmdline: ['java', '-jar', 'jenkins.war'], exe: java, uid: 1000 });
  fake.add({ pid: 12, ppid: 10, comm: 'git', cmdline: ['git', 'fetch'], uid: 1000 });
  fake.add({ pid: 20, ppid: 1, comm: 'sleep', cmdline: ['sleep', '9'], uid: 1001 });
  return fake;
}

const brief = (p: ProcessInfo) => ({ pid: p.pid, ppid: p.ppid, uid: p.uid, exe: p.exe, cmdline: p.cmdline.toString() });

test('eachProcess visits every process once; listAll collects exactly those, with the same counts', () => {
  const fake = tree();
  try {
    const source = new ProcfsSource(fake.root, FAKE_CLK_TCK);
    for (const needs of [LIGHT, { exe: true, status: true }]) {
      const visited: ProcessInfo[] = [];
      const t1 = newTally('procfs');
      assert.equal(
        source.eachProcess(needs, t1, (p) => visited.push(p)),
        true,
      );
      const t2 = newTally('procfs');
      const listed = source.listAll(needs, t2)!;
      assert.deepEqual(listed.map(brief), visited.map(brief));
      assert.deepEqual(
        visited.map((p) => p.pid).sort((a, b) => a - b),
        [1, 10, 11, 12, 20],
      );
      assert.deepEqual(t2.stats, t1.stats);
      assert.equal(t1.stats.processesRead, 5);
      assert.equal(visited.find((p) => p.pid === 11)!.exe !== null, needs.exe, 'exe read only when needed');
      assert.equal(visited.find((p) => p.pid === 20)!.uid, needs.status ? 1001 : null, 'status read only when needed');
    }
  } finally {
    fake.cleanup();
  }
});

test('eachProcess: an unlistable root is false with the warning listAll gives; nothing visited', () => {
  const source = new ProcfsSource(join('/nonexistent', 'proc'), FAKE_CLK_TCK);
  const t1 = newTally('procfs');
  let visits = 0;
  assert.equal(
    source.eachProcess(LIGHT, t1, () => visits++),
    false,
  );
  assert.equal(visits, 0);
  const t2 = newTally('procfs');
  assert.equal(source.listAll(LIGHT, t2), null);
  assert.equal(source.listChildren(newTally('procfs')), null);
  assert.deepEqual(t1.warnings, [
    { file: '/nonexistent/proc', message: 'cannot list processes under /nonexistent/proc' },
  ]);
  assert.deepEqual(t2.warnings, t1.warnings);
});

test('listChildren is the ppid map of a full listing, and counts the same reads', () => {
  const fake = tree();
  try {
    const source = new ProcfsSource(fake.root, FAKE_CLK_TCK);
    const t1 = newTally('procfs');
    const t2 = newTally('procfs');
    const sortKids = (m: Map<number, number[]>) =>
      [...m].map(([k, v]) => [k, [...v].sort((a, b) => a - b)]).sort((a, b) => (a[0] as number) - (b[0] as number));
    assert.deepEqual(sortKids(source.listChildren(t1)!), sortKids(childrenMap(source.listAll(LIGHT, t2)!)));
    assert.deepEqual(sortKids(source.listChildren(newTally('procfs'))!), [
      [0, [1]],
      [1, [10, 20]],
      [10, [11, 12]],
    ]);
    assert.deepEqual(t1.stats, t2.stats);
  } finally {
    fake.cleanup();
  }
});

test('readLight: as eachProcess reads it; gone is counted as vanished, pid 0 is never read', () => {
  const fake = tree();
  try {
    const source = new ProcfsSource(fake.root, FAKE_CLK_TCK);
    const needs = { exe: true, status: true };
    const listed = source.listAll(needs, newTally('procfs'))!;
    const tally = newTally('procfs');
    assert.deepEqual(brief(source.readLight(11, needs, tally)!), brief(listed.find((p) => p.pid === 11)!));
    assert.equal(source.readLight(0, needs, tally), null);
    fake.remove(12);
    assert.equal(source.readLight(12, needs, tally), null);
    assert.deepEqual(
      { read: tally.stats.processesRead, vanished: tally.stats.vanished, warnings: tally.warnings.length },
      { read: 2, vanished: 1, warnings: 0 },
    );
  } finally {
    fake.cleanup();
  }
});
