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
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readReleaseFile } from '../../../src/capture/target-facts.js';

test('readReleaseFile refuses what a target can plant at the path: a FIFO (without blocking), a symlink, a huge file, a file of another user', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-release-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ok = join(dir, 'release');
  writeFileSync(ok, 'JAVA_VERSION="17.0.1"\n');
  assert.equal(readReleaseFile(ok, null), 'JAVA_VERSION="17.0.1"\n');

  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const started = performance.now();
  assert.deepEqual(readReleaseFile(fifo, null), { error: 'not a regular file' });
  assert.ok(performance.now() - started < 1000, 'no wait on the FIFO');

  const link = join(dir, 'link');
  symlinkSync('/etc/shadow', link);
  assert.deepEqual(readReleaseFile(link, null), { error: 'ELOOP' });

  const big = join(dir, 'big');
  writeFileSync(big, Buffer.alloc(65 * 1024, 0x41));
  assert.deepEqual(readReleaseFile(big, null), { error: 'larger than 65536 bytes' });

  const theirs = join(dir, 'theirs');
  writeFileSync(theirs, 'JAVA_VERSION="1"\n');
  chownSync(theirs, 1234, 1234);
  assert.deepEqual(readReleaseFile(theirs, 0), { error: "owned by uid 1234, neither root nor the target's" });
  assert.equal(
    readReleaseFile(theirs, 1234),
    'JAVA_VERSION="1"\n',
    "the target's own file: its own content, nothing to leak",
  );
  assert.deepEqual(readReleaseFile('/dev/zero', null), { error: 'not a regular file' });
});
