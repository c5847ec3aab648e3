/**
 * dbx `where` (src/capture/parse/dbx.ts): Solaris / illumos (numbered
 * frames, `current thread: t@N`) and AIX (no numbers, `??` arguments), and
 * AIX `procstack` (read by the pstack reader). The golden files under
 * test/fixtures/stacks/dbx hold the whole parsed shape; these pin the parts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectStackFormat, parseStack } from '../../../src/capture/parse/index.js';

const SOLARIS_TWO_THREADS = [
  '(dbx) where -h t@1',
  'current thread: t@1',
  '=>[1] __pollsys(0x8047a50, 0x1, 0x0, 0x0), at 0xfeeb7a15',
  '  [2] serve(0x3), line 120 in "server.c"',
  '(dbx) where -h t@2',
  'current thread: t@2',
  '=>[1] __lwp_park(0x0, 0x0, 0x0), at 0xfeeb6c55',
  '  [2] mutex_lock_impl(0x8061b28, 0x0), at 0xfeeaf6a0',
  '  [3] std::vector<int,std::allocator<int> >::push_back(const int&)(0x8061b40, 0x8047a00), at 0x8051234',
  '  [4] worker(0x0), line 60 in "server.c"',
].join('\n');

test('dbx (Solaris): frames by number under each thread line, sources and addresses kept', () => {
  assert.equal(detectStackFormat(SOLARIS_TWO_THREADS), 'dbx');
  const s = parseStack(SOLARIS_TWO_THREADS);
  assert.equal(s.format, 'dbx');
  assert.deepEqual(
    s.threads.map((t) => [t.name, t.frames.map((f) => f.normalized)]),
    [
      ['t@1', ['pollsys', 'serve']],
      ['t@2', ['lwp_park', 'mutex_lock_impl', 'std::vector<int,std::allocator<int> >::push_back', 'worker']],
    ],
  );
  const [lwp, , , worker] = s.threads[1]!.frames;
  assert.equal(lwp!.address, '0xfeeb6c55');
  assert.equal(worker!.source, 'server.c:60');
});

test('dbx (Solaris): frame [1] again without a thread line starts the next thread', () => {
  const text = [
    '=>[1] __lwp_park(0x0), at 0xfeeb6c55',
    '  [2] mutex_lock(0x8061b28), at 0xfeeaf76b',
    '=>[1] __pollsys(0x8047a50, 0x1, 0x0, 0x0), at 0xfeeb7a15',
    '  [2] main(), line 12 in "t.c"',
  ].join('\n');
  assert.deepEqual(
    parseStack(text).threads.map((t) => t.frames.length),
    [2, 2],
  );
});

test('dbx (AIX): unnumbered frames, ?? arguments, thread current N, unnamed frames, a process per attach', () => {
  const text = [
    'Attached to process 4242',
    '(dbx) thread current 1',
    '(dbx) where',
    '_event_sleep(??, ??, ??, ??, ??, ??) at 0x9000000005b1b08',
    '_mutex_lock(??, ??, ??) at 0x9000000005c0f2c',
    '.() at 0x100001234',
    'main(argc = 2, argv = 0x2ff22b3c), line 40 in "agent.c"',
    '(dbx) thread current 2',
    '(dbx) where',
    '_p_nsleep(??, ??) at 0xd01ed7a4',
    'sleep(??) at 0xd02573f8',
    'Attached to process 4250',
    '(dbx) where',
    'pthread_mutex_lock(??) at 0x9000000005d9b10',
    'child_setup(), line 42 in "spawn.c"',
  ].join('\n');
  assert.equal(detectStackFormat(text), 'dbx');
  const s = parseStack(text);
  assert.equal(s.pid, 4242);
  assert.deepEqual(
    s.threads.map((t) => [t.process, t.name, t.frames.map((f) => f.normalized)]),
    [
      [0, 't@1', ['event_sleep', 'mutex_lock', null, 'main']],
      [0, 't@2', ['p_nsleep', 'sleep']],
      [1, null, ['pthread_mutex_lock', 'child_setup']],
    ],
  );
});

test('dbx: prose with parentheses is not a frame; a line without a location is not one either', () => {
  const text = [
    'The child (pid 4250) hangs at startup, see where output below at 0x10 offsets:',
    'It hangs in mutex_lock(0x8061b28) forever',
    '=>[1] __lwp_park(0x0), at 0xfeeb6c55',
    '  [2] mutex_lock(0x8061b28), at 0xfeeaf76b',
  ].join('\n');
  assert.deepEqual(
    parseStack(text).threads.map((t) => t.frames.map((f) => f.normalized)),
    [['lwp_park', 'mutex_lock']],
  );
});

test('AIX procstack: the tid header opens a thread; 0x addresses and 0x offsets are read', () => {
  const text = [
    '12345: /usr/java8_64/jre/bin/java -jar agent.jar',
    '---------- tid# 4567891 (pthread ID:      1) ----------',
    '0x0900000000581eb4  _event_sleep(??, ??, ??, ??, ??, ??) + 0x474',
    '0x09000000005d9b10  pthread_mutex_lock(??) + 0x10',
    '---------- tid# 4567893 (pthread ID:    258) ----------',
    '0x0900000000581eb4  _event_sleep(??, ??, ??, ??, ??, ??) + 0x474',
    '0x090000000051e7e4  pthread_cond_wait(??, ??) + 0x1e4',
  ].join('\n');
  assert.equal(detectStackFormat(text), 'pstack');
  const s = parseStack(text);
  assert.equal(s.pid, 12345);
  assert.deepEqual(
    s.threads.map((t) => [t.tid, t.name, t.frames.map((f) => [f.normalized, f.offset, f.address])]),
    [
      [
        4567891,
        'pthread ID 1',
        [
          ['event_sleep', 0x474, '0x0900000000581eb4'],
          ['pthread_mutex_lock', 0x10, '0x09000000005d9b10'],
        ],
      ],
      [
        4567893,
        'pthread ID 258',
        [
          ['event_sleep', 0x474, '0x0900000000581eb4'],
          ['pthread_cond_wait', 0x1e4, '0x090000000051e7e4'],
        ],
      ],
    ],
  );
});
