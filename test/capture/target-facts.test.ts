/**
 * Target facts from files only (src/capture/target-facts.ts): the JDK's
 * release file through /proc/PID/root, the home from the exe link or the
 * libjvm.so mapping, and the release file's checks against what a hostile
 * target can put at that path (a FIFO, a symlink, a huge file, a file of
 * someone else's). A /proc tree in a temp dir stands in for the target
 * (exe and root are symlinks there as in /proc); the JDK is the real one
 * installed here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectTargetFacts } from '../../src/capture/target-facts.js';

const JDK = '/usr/lib/jvm/java-17-openjdk-amd64';

function fakeProc(
  t: { after: (fn: () => void) => void },
  pid: number,
  p: { exe: string; maps?: string; uid?: number },
): string {
  const root = mkdtempSync(join(tmpdir(), 'forkwatch-facts-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, String(pid));
  mkdirSync(dir);
  symlinkSync(p.exe, join(dir, 'exe'));
  symlinkSync('/', join(dir, 'root'));
  writeFileSync(join(dir, 'maps'), p.maps ?? '');
  writeFileSync(join(dir, 'status'), `Name:\tjava\nUid:\t${p.uid ?? 0}\t${p.uid ?? 0}\t${p.uid ?? 0}\t${p.uid ?? 0}\n`);
  return root;
}

test('the JDK facts come from the release file of the home the exe is in', async (t) => {
  const procRoot = fakeProc(t, 100, { exe: `${JDK}/bin/java` });
  const facts = await collectTargetFacts(100, null, { procRoot, now: () => 1 });
  assert.equal(facts.jdk?.source, 'release-file');
  assert.equal(facts.jdk?.home, JDK);
  assert.match(facts.jdk?.version ?? '', /^17\./);
});

test('an exe outside any JDK (a trojan named java): the home from the libjvm.so mapping; without one, no facts and nothing run', async (t) => {
  const maps = `7f0000000000-7f0000100000 r-xp 00000000 fe:00 1   ${JDK}/lib/server/libjvm.so\n`;
  const fromMaps = await collectTargetFacts(101, null, {
    procRoot: fakeProc(t, 101, { exe: '/home/evil/bin/java', maps }),
  });
  assert.equal(fromMaps.jdk?.home, JDK);
  assert.match(fromMaps.jdk?.version ?? '', /^17\./);
  const none = await collectTargetFacts(102, null, { procRoot: fakeProc(t, 102, { exe: '/home/evil/bin/java' }) });
  assert.equal(none.jdk, null);
  assert.match(none.jdkError!, /\/home\/evil\/release: ENOENT.*nothing is run/);
});
