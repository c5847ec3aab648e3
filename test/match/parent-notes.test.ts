/**
 * The parent's side of a hung fork, as info notes (signatures/go.yaml; the
 * JDK's and Python's are tested in forked-child.test.ts, fixtures.test.ts and
 * python.test.ts): a goroutine reading the exec pipe in syscall.forkExec, on
 * the public tuning corpus's real Go dump; never a deadlock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/native-build.js';
import { parseStack } from '../../src/capture/parse/index.js';
import { loadSignatures, matchSignatures } from '../../src/match/index.js';
import { dumpOf } from './corpus-verdicts.js';

const lib = loadSignatures().signatures;

test("Go: the public dump of a goroutine 387 minutes in syscall.forkExec's pipe read gets the parent's note, no deadlock", () => {
  const text = dumpOf(
    readFileSync(join(REPO_ROOT, 'test/fixtures/stacks/public/go-17033-goroutine-parent-reads-exec-pipe.txt'), 'utf8'),
  );
  const m = matchSignatures(parseStack(text).threads, lib);
  assert.deepEqual(
    m.matches.map((x) => [x.signatureId, x.severity]),
    [['go-parent-waits-in-forkexec', 'info']],
  );
  assert.equal(m.deadlock, false);
});

test('Go: readlen elsewhere (a file read) is no note', () => {
  const text = [
    'goroutine 12 [syscall]:',
    'syscall.Syscall(0x0, 0x3, 0xc000100000, 0x200)',
    '\t/usr/lib/go/src/syscall/syscall_linux.go:69 +0x5',
    'syscall.readlen(0x3, 0xc000100000, 0x200)',
    '\t/usr/lib/go/src/syscall/zsyscall_linux_amd64.go:1041 +0x56',
    'main.readConfig(0x3)',
    '\t/srv/app/main.go:20 +0x3e',
  ].join('\n');
  assert.deepEqual(matchSignatures(parseStack(text).threads, lib).matches, []);
});
