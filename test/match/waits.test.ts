/** threadWaits: what each thread of a dump waits on, by the vocabulary (classify's reading of a miss). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/native-build.js';
import { parseStack } from '../../src/capture/parse/index.js';
import { shippedVocabulary, threadWaits, type ThreadWait } from '../../src/match/index.js';
import { BUSY, COND_WAIT, EPOLL, MUTEX_WAIT, READ, SEM_WAIT, gdbThreads } from './dumps.js';

const STACKS = join(REPO_ROOT, 'test/fixtures/stacks');
const vocabulary = shippedVocabulary().vocabulary;

function waitsOfFile(file: string): ThreadWait[] {
  return threadWaits(parseStack(readFileSync(join(STACKS, file), 'utf8')).threads, vocabulary);
}

test('threadWaits on the suite real captures: the hung child waits for a lock, the decoys sleep and wait for I/O', () => {
  const hung = waitsOfFile('eu-stack/linux-hung.txt');
  assert.deepEqual(
    hung.map((w) => w.kind),
    ['lock'],
  );
  assert.match(hung[0]!.name!, /lll_lock_wait/);
  assert.deepEqual(
    waitsOfFile('eu-stack/linux-sleeper.txt').map((w) => [w.kind, w.name]),
    [['sleep', 'clock_nanosleep']],
  );
  assert.deepEqual(
    waitsOfFile('eu-stack/linux-accepter.txt').map((w) => w.kind),
    ['io'],
  );
});

test('threadWaits names the frame that decided: lock, untimed wait, I/O, running code', () => {
  const waits = threadWaits(
    gdbThreads([
      { frames: [...MUTEX_WAIT, 'take_lock(l=0x5600)', 'main()'] },
      { frames: [...SEM_WAIT, 'wait_token(t=0x5600)', 'worker(arg=0x0)'] },
      { frames: [...COND_WAIT, 'queue_pop(q=0x5600)', 'worker(arg=0x0)'] },
      { frames: [...EPOLL, 'main()'] },
      { frames: [...READ, 'main()'] },
      { frames: [...BUSY, 'main()'] },
    ]),
    vocabulary,
  );
  assert.deepEqual(
    waits.map((w) => w.kind),
    ['lock', 'lock', 'untimed', 'io', 'io', 'other'],
  );
  assert.deepEqual(
    waits.map((w) => w.thread),
    [0, 1, 2, 3, 4, 5],
  );
  for (const w of waits) assert.ok(w.frame !== null && w.name !== null, JSON.stringify(w));
  assert.equal(waits[2]!.name, 'pthread_cond_wait_common');
  assert.equal(waits[5]!.name, 'spin_until_flag');
});

test("threadWaits: a kernel stack alone (the suite's hung child's /proc/PID/stack) is a bare futex wait, not running code", () => {
  const waits = waitsOfFile('lenient/linux-proc-stack-of-hung-child.txt');
  assert.equal(waits.length, 1);
  assert.equal(waits[0]!.kind, 'primitive');
  assert.match(waits[0]!.name!, /futex/);
});

test('threadWaits: a thread whose frames have no name says so (frame null), and an empty dump has no waits', () => {
  const waits = threadWaits(gdbThreads([{ frames: ['??', '??'] }]), vocabulary);
  assert.deepEqual(waits, [{ thread: 0, kind: 'other', frame: null, name: null }]);
  assert.deepEqual(threadWaits([], vocabulary), []);
});
