/**
 * CPython's Python-level dumps (py-spy dump, tracebacks, gdb py-bt): the
 * logging lock held across fork (signatures/python.yaml), and what is not it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStack } from '../../src/capture/parse/index.js';
import { loadSignatures, matchSignatures } from '../../src/match/index.js';

const lib = loadSignatures().signatures;

function named(text: string, forkedChild = false): string | null {
  const m = matchSignatures(parseStack(text).threads, lib, { forkedChild });
  return m.deadlock ? m.matches[0]!.signatureId : null;
}

const PY_SPY_313 = [
  'Thread 4242 (idle): "MainThread"',
  '    handle (logging/__init__.py:1027)',
  '    callHandlers (logging/__init__.py:1736)',
  '    handle (logging/__init__.py:1674)',
  '    _log (logging/__init__.py:1659)',
  '    info (logging/__init__.py:1519)',
  '    child_main (worker.py:12)',
].join('\n');

test('py-spy: a one-thread dump whose innermost frame is Handler.handle (with self.lock, 3.13+) is the logging lock', () => {
  assert.equal(named(PY_SPY_313), 'python-logging-lock-after-fork');
  assert.equal(named(PY_SPY_313, true), 'python-logging-lock-after-fork');
});

test('a traceback (most recent call last) ending in Handler.acquire, and 3.13 isEnabledFor (with _lock)', () => {
  const traceback = [
    'Traceback (most recent call last):',
    '  File "/usr/lib/python3.8/multiprocessing/process.py", line 315, in _bootstrap',
    '    self.run()',
    '  File "/usr/lib/python3.8/logging/__init__.py", line 952, in handle',
    '    self.acquire()',
    '  File "/usr/lib/python3.8/logging/__init__.py", line 903, in acquire',
    '    self.lock.acquire()',
    'KeyboardInterrupt',
  ].join('\n');
  assert.equal(named(traceback), 'python-logging-lock-after-fork');
  assert.equal(
    named(
      [
        'Thread 7 (idle): "MainThread"',
        '    isEnabledFor (logging/__init__.py:1790)',
        '    info (logging/__init__.py:1517)',
      ].join('\n'),
    ),
    'python-logging-lock-after-fork',
  );
});

test('not the logging lock: emit or flush (a full pipe looks the same), another module, two threads, a deeper frame', () => {
  const emit = [
    'Thread 9 (active): "MainThread"',
    '    emit (logging/__init__.py:1163)',
    '    handle (logging/__init__.py:1028)',
  ];
  assert.equal(named(emit.join('\n')), null);
  assert.equal(
    named(['Thread 9 (idle): "MainThread"', '    handle (myapp/events.py:40)', '    main (app.py:3)'].join('\n')),
    null,
  );
  const twoThreads = [PY_SPY_313, '', 'Thread 4243 (idle): "writer"', '    write (myapp/out.py:9)'].join('\n');
  assert.equal(named(twoThreads), null);
  assert.equal(
    named(['Thread 9 (idle): "MainThread"', '    run (app.py:9)', '    handle (logging/__init__.py:1028)'].join('\n')),
    null,
  );
});

test("gdb py-bt: `with lock:` shows the lock's __enter__, a lock acquisition like acquire", () => {
  const pyBt = [
    'Traceback (most recent call first):',
    '  <built-in method __enter__ of _thread.RLock object at remote 0x7f1c2a5e8b40>',
    '  File "/usr/lib/python3.13/logging/__init__.py", line 1027, in handle',
    '  File "/srv/worker.py", line 12, in child_main',
  ].join('\n');
  assert.notEqual(named(pyBt), null);
});

/** A module another thread of the parent was importing at fork: the child's import waits in importlib's _ModuleLock.acquire. */
const PY_SPY_IMPORT = [
  'Process 4242: python3 worker.py',
  'Python v3.11.4 (/usr/bin/python3.11)',
  '',
  'Thread 4242 (idle): "MainThread"',
  '    acquire (<frozen importlib._bootstrap>:169)',
  '    __enter__ (<frozen importlib._bootstrap>:170)',
  '    _find_and_load (<frozen importlib._bootstrap>:1173)',
  '    run_task (worker.py:31)',
  '    _bootstrap (multiprocessing/process.py:314)',
].join('\n');

test('py-spy: frames in <frozen importlib._bootstrap> are read (a pseudo-file with a space), and a one-thread wait in _ModuleLock.acquire is the import lock', () => {
  const p = parseStack(PY_SPY_IMPORT);
  assert.deepEqual(
    p.threads[0]!.frames.slice(0, 3).map((f) => [f.fn, f.source]),
    [
      ['acquire', '<frozen importlib._bootstrap>:169'],
      ['__enter__', '<frozen importlib._bootstrap>:170'],
      ['_find_and_load', '<frozen importlib._bootstrap>:1173'],
    ],
  );
  assert.equal(named(PY_SPY_IMPORT), 'python-import-lock-after-fork');
  assert.equal(named(PY_SPY_IMPORT, true), 'python-import-lock-after-fork');
  // faulthandler's dump and a qualified name (py-spy on 3.11+ may print co_qualname); an unfrozen importlib path
  const faulthandler = [
    'Current thread 0x00007f3ea8a4b740 (most recent call first):',
    '  File "<frozen importlib._bootstrap>", line 169 in acquire',
    '  File "<frozen importlib._bootstrap>", line 1173 in _find_and_load',
    '  File "/srv/app/worker.py", line 31 in run_task',
  ].join('\n');
  assert.equal(named(faulthandler), 'python-import-lock-after-fork');
  // a source folder with spaces (macOS's Application Support) keeps the frame too
  const spaced = parseStack(
    'Thread 1 (idle): "MainThread"\n    run (/Users/me/Library/Application Support/app/worker.py:10)\n    main (app.py:3)',
  );
  assert.deepEqual(
    spaced.threads[0]!.frames.map((f) => f.fn),
    ['run', 'main'],
  );
  assert.equal(
    named(
      PY_SPY_IMPORT.replace(
        '    acquire (<frozen importlib._bootstrap>:169)',
        '    _ModuleLock.acquire (/usr/lib/python3.6/importlib/_bootstrap.py:101)',
      ),
    ),
    'python-import-lock-after-fork',
  );
});

test('not the import lock: another thread could own it, acquire elsewhere, or importlib deeper than the innermost frame', () => {
  const twoThreads = `${PY_SPY_IMPORT}\n\nThread 4250 (active): "loader"\n    exec_module (<frozen importlib._bootstrap_external>:940)\n    _load_unlocked (<frozen importlib._bootstrap>:690)`;
  assert.equal(named(twoThreads), null);
  assert.equal(named(PY_SPY_IMPORT.replace('<frozen importlib._bootstrap>:169', 'app/locks.py:12')), null);
  assert.equal(named(PY_SPY_IMPORT.replace('    acquire (<frozen importlib._bootstrap>:169)\n', '')), null);
});

/** pystack (`pystack remote PID --native`): most recent call last, C frames between the Python ones. */
const PYSTACK_NATIVE = [
  'Traceback for thread 4242 (python3) [] (most recent call last):',
  '    (Python) File "/usr/lib/python3.11/multiprocessing/process.py", line 314, in _bootstrap',
  '        self.run()',
  '    (Python) File "/srv/app/worker.py", line 31, in run_task',
  '        log.info("started")',
  '    (Python) File "/usr/lib/python3.11/logging/__init__.py", line 1634, in handle',
  '        self.callHandlers(record)',
  '    (Python) File "/usr/lib/python3.11/logging/__init__.py", line 976, in acquire',
  '        self.lock.acquire()',
  '    (C) File "???", line 0, in PyThread_acquire_lock_timed (libpython3.11.so.1.0)',
  '    (C) File "../sysdeps/nptl/futex-internal.h", line 146, in __futex_abstimed_wait_common (libc.so.6)',
].join('\n');

test('pystack: its frames read innermost first, C frames with their module; a logging lock wait under the lock C frames is the logging lock', () => {
  const p = parseStack(PYSTACK_NATIVE);
  assert.deepEqual(
    p.threads[0]!.frames.map((f) => [f.fn, f.module, f.source ?? null]),
    [
      ['__futex_abstimed_wait_common', 'libc.so.6', '../sysdeps/nptl/futex-internal.h:146'],
      ['PyThread_acquire_lock_timed', 'libpython3.11.so.1.0', null],
      ['acquire', null, '/usr/lib/python3.11/logging/__init__.py:976'],
      ['handle', null, '/usr/lib/python3.11/logging/__init__.py:1634'],
      ['run_task', null, '/srv/app/worker.py:31'],
      ['_bootstrap', null, '/usr/lib/python3.11/multiprocessing/process.py:314'],
    ],
    'the source lines after (Python) frames are not frames',
  );
  assert.equal(named(PYSTACK_NATIVE), 'python-logging-lock-after-fork');
  // without --native: the innermost Python frame decides, as for py-spy
  const pythonOnly = PYSTACK_NATIVE.split('\n')
    .filter((l) => !l.includes('(C) '))
    .join('\n');
  assert.equal(named(pythonOnly), 'python-logging-lock-after-fork');
  // py-spy --native: the C frames by name and module, innermost first; the import lock the same way
  const pySpyNative = [
    'Thread 4242 (idle): "MainThread"',
    '    __futex_abstimed_wait_common (libc.so.6)',
    '    PyThread_acquire_lock_timed (libpython3.11.so.1.0)',
    '    acquire (<frozen importlib._bootstrap>:169)',
    '    _find_and_load (<frozen importlib._bootstrap>:1173)',
    '    run_task (worker.py:31)',
  ].join('\n');
  assert.equal(named(pySpyNative), 'python-import-lock-after-fork');
  // the C lock wait must sit right above the Python function: a lock taken deeper down is not it
  const deeper = PYSTACK_NATIVE.replace(
    '    (C) File "???", line 0, in PyThread_acquire_lock_timed (libpython3.11.so.1.0)',
    [
      '    (Python) File "/srv/app/cache.py", line 8, in get',
      '        with self._lock:',
      '    (Python) File "/srv/app/cache.py", line 20, in _fill',
      '        x = 1',
      '    (Python) File "/srv/app/cache.py", line 30, in _load',
      '        y = 2',
      '    (C) File "???", line 0, in PyThread_acquire_lock_timed (libpython3.11.so.1.0)',
    ].join('\n'),
  );
  assert.notEqual(named(deeper), 'python-logging-lock-after-fork');
});

/** Python 2 implements threading.RLock in Python: a wait for logging's locks shows threading.py's acquire innermost. */
const PY2_FAULTHANDLER = [
  'Thread 0x00007f2d4bc1f740 (most recent call first):',
  '  File "/usr/lib/python2.7/threading.py", line 174 in acquire',
  '  File "/usr/lib/python2.7/logging/__init__.py", line 212 in _acquireLock',
  '  File "/usr/lib/python2.7/logging/__init__.py", line 1037 in getLogger',
  '  File "/usr/lib/python2.7/multiprocessing/process.py", line 258 in _bootstrap',
].join('\n');

test("Python 2: threading.py's RLock.acquire right above logging's _acquireLock or Handler.acquire is the logging lock", () => {
  assert.equal(named(PY2_FAULTHANDLER), 'python-logging-lock-after-fork');
  assert.equal(named(PY2_FAULTHANDLER, true), 'python-logging-lock-after-fork');
  const pySpyHandler = [
    'Process 12345: python worker.py',
    'Python v2.7.18 (/usr/bin/python2.7)',
    '',
    'Thread 0x7F2D4BC1F740 (idle): "MainThread"',
    '    acquire (threading.py:174)',
    '    acquire (logging/__init__.py:828)',
    '    handle (logging/__init__.py:865)',
    '    callHandlers (logging/__init__.py:1336)',
  ].join('\n');
  assert.equal(named(pySpyHandler), 'python-logging-lock-after-fork');
});

test('Python 2: not the logging lock: RLock.acquire above other code, a logging frame further down, or two threads', () => {
  assert.equal(
    named(
      PY2_FAULTHANDLER.replace(
        '/usr/lib/python2.7/logging/__init__.py", line 212 in _acquireLock',
        '/srv/app/cache.py", line 8 in get',
      ),
    ),
    null,
  );
  const deeper = PY2_FAULTHANDLER.replace(
    '  File "/usr/lib/python2.7/logging/__init__.py", line 212 in _acquireLock',
    '  File "/srv/app/cache.py", line 8 in get\n  File "/usr/lib/python2.7/logging/__init__.py", line 212 in _acquireLock',
  );
  assert.equal(named(deeper), null);
  const twoThreads = `${PY2_FAULTHANDLER}\n\nThread 0x00007f2d4a000700 (most recent call first):\n  File "/srv/app/writer.py", line 9 in run`;
  assert.equal(named(twoThreads), null);
});

test('forked child: an innermost threading.py __enter__ / acquire or multiprocessing/synchronize.py lock, one thread, is a Python lock wait', () => {
  const pySpy = [
    'Thread 4250 (idle): "MainThread"',
    '    __enter__ (threading.py:247)',
    '    put (queue.py:132)',
    '    run_task (worker.py:31)',
  ].join('\n');
  assert.equal(named(pySpy, true), 'python-lock-wait-forked-child');
  assert.equal(named(pySpy), null, 'as pasted: the dump does not say it is a forked child');
  const faulthandler = [
    'Current thread 0x00007f3ea8a4b740 (most recent call first):',
    '  File "/usr/lib/python3.8/multiprocessing/synchronize.py", line 95 in __enter__',
    '  File "/usr/lib/python3.8/multiprocessing/queues.py", line 355 in get',
  ].join('\n');
  assert.equal(named(faulthandler, true), 'python-lock-wait-forked-child');
  // a specific signature wins: Python 2's RLock.acquire above logging's lock is the logging lock
  assert.equal(named(PY2_FAULTHANDLER, true), 'python-logging-lock-after-fork');
});

test('forked child: not a Python lock wait: a condition wait, an acquire of the application, two threads', () => {
  const wait = ['Thread 1 (idle): "MainThread"', '    wait (threading.py:302)', '    get (queue.py:171)'].join('\n');
  assert.equal(named(wait, true), null);
  const own = ['Thread 1 (idle): "MainThread"', '    acquire (app/locks.py:12)', '    run (worker.py:3)'].join('\n');
  assert.equal(named(own, true), null);
  const two = [
    'Thread 1 (idle): "MainThread"',
    '    __enter__ (threading.py:247)',
    '    put (queue.py:132)',
    '',
    'Thread 2 (active): "feeder"',
    '    _feed (multiprocessing/queues.py:227)',
  ].join('\n');
  assert.equal(named(two, true), null);
});

/** A traceback (most recent call last) whose innermost frame executes `code`. */
function tracebackAt(code: string, file = '/srv/app/pymongo/mongo_client.py'): string {
  return [
    'Traceback (most recent call last):',
    '  File "/usr/lib/python3.7/multiprocessing/process.py", line 297, in _bootstrap',
    '    self.run()',
    `  File "${file}", line 1197, in _get_topology`,
    `    ${code}`,
    'KeyboardInterrupt',
  ].join('\n');
}

test("the traceback's source line is kept as the frame's code, trimmed and capped", () => {
  const frames = parseStack(tracebackAt('with self.__lock:')).threads[0]!.frames;
  assert.deepEqual(
    frames.map((f) => [f.fn, f.code]),
    [
      ['_get_topology', 'with self.__lock:'],
      ['_bootstrap', 'self.run()'],
    ],
  );
  const long = parseStack(tracebackAt(`x = ${'a'.repeat(1000)}`)).threads[0]!.frames[0]!;
  assert.equal(long.code!.length, 256);
});

test("forked child: the innermost frame's line takes a lock by its name (with self.__lock:, _lock.acquire()), one thread", () => {
  for (const code of [
    'with self.__lock:',
    'with _lock:',
    'self._shutdown_lock.acquire()',
    'with a, self._rlock:',
    'with LOCK:',
    'with globalMutex:',
  ])
    assert.equal(named(tracebackAt(code), true), 'python-lock-wait-forked-child', code);
  // only in forked-child mode: as pasted a traceback shows no fork, and another thread of the process may hold it
  assert.equal(named(tracebackAt('with self.__lock:')), null);
});

test("forked child: not a lock by the frame's line: a condition, a waiter, a block, an asyncio lock, a release, a lock deeper down", () => {
  for (const code of [
    'with self._cond:',
    'waiter.acquire()',
    'with block:',
    'with self.clock:',
    'async with self._lock:',
    'self._lock.release()',
    'lock = threading.Lock()',
  ])
    assert.equal(named(tracebackAt(code), true), null, code);
  const deeper = tracebackAt('self._topology.open()').replace('    self.run()', '    with self._lock:');
  assert.equal(named(deeper, true), null);
  // a C source line (pystack --native's `(C) File "f.c"`) is no Python statement
  assert.equal(named(tracebackAt('with self.__lock:', '/src/lock.c'), true), null);
});

test("the parent's side in Python: a thread in subprocess's _execute_child is an info note, with or without C frames; not elsewhere", () => {
  const note = (text: string): string[] =>
    matchSignatures(parseStack(text).threads, lib).matches.map((m) => `${m.signatureId}:${m.severity}`);
  const pySpy = [
    'Thread 4242 (idle): "MainThread"',
    '    _execute_child (subprocess.py:1883)',
    '    __init__ (subprocess.py:1026)',
    '    run (subprocess.py:548)',
  ].join('\n');
  assert.deepEqual(note(pySpy), ['python-parent-waits-in-execute-child:info']);
  assert.equal(named(pySpy), null, 'a note is no deadlock');
  const native = [
    'Thread 4242 (idle): "MainThread"',
    '    __libc_read (libc.so.6)',
    '    os_read (libpython3.11.so.1.0)',
    '    _execute_child (subprocess.py:1883)',
  ].join('\n');
  assert.deepEqual(note(native), ['python-parent-waits-in-execute-child:info']);
  // an application function of that name, or _execute_child deeper than the innermost frame
  assert.deepEqual(note(pySpy.replace('_execute_child (subprocess.py:1883)', '_execute_child (app/jobs.py:10)')), []);
  assert.deepEqual(
    note(
      pySpy.replace(
        '    _execute_child (subprocess.py:1883)',
        '    write (app/log.py:3)\n    _execute_child (subprocess.py:1883)',
      ),
    ),
    [],
  );
});

test("a forked child whose only thread has _execute_child innermost is stopped in fork_exec's C code before exec; the parent's note is not its verdict", () => {
  const child = [
    'Thread 89047 (idle): "Thread-get-lldp-ip"',
    '    _execute_child (subprocess.py:1754)',
    '    __init__ (subprocess.py:951)',
    '    run (jobs.py:40)',
  ].join('\n');
  assert.equal(named(child, true), 'python-child-stuck-before-exec');
  assert.deepEqual(
    matchSignatures(parseStack(child).threads, lib, { forkedChild: true }).matches.map((m) => m.signatureId),
    ['python-child-stuck-before-exec'],
    "the parent's note is superseded",
  );
  // without the claim it is the parent's side: a note, no deadlock
  assert.equal(named(child), null);
  // not it: two threads (a parent's dump: the child has only the forking thread), the error-pipe
  // read innermost (only the parent reads it), _execute_child deeper than the innermost frame
  const twoThreads = `${child}\nThread 89001 (idle): "MainThread"\n    wait (threading.py:320)\n    main (app.py:9)`;
  assert.equal(named(twoThreads, true), null);
  const reading = child.replace(
    '    _execute_child',
    '    __libc_read (libc.so.6)\n    os_read (libpython3.9.so.1.0)\n    _execute_child',
  );
  assert.equal(named(reading, true), null);
  assert.equal(named(child.replace('    _execute_child', '    log (app/log.py:3)\n    _execute_child'), true), null);
});

test('a paste whose reporter labels the processes `parent process:` and `child process:` judges the child as a forked child, as pasted', () => {
  const spy = (tid: number, line: number): string =>
    `Thread ${tid} (idle): "Thread-get-lldp-ip"\n    _execute_child (subprocess.py:${line})\n    __init__ (subprocess.py:951)`;
  const paste = `parent process:\n${spy(44167, 1777)}\n\nchild process:\n${spy(89047, 1754)}\n`;
  const stack = parseStack(paste);
  assert.deepEqual(
    stack.threads.map((t) => [t.process, t.labelledChild ?? false]),
    [
      [0, false],
      [1, true],
    ],
  );
  const m = matchSignatures(stack.threads, lib);
  assert.equal(m.deadlock, true);
  assert.equal(m.matches[0]!.signatureId, 'python-child-stuck-before-exec');
  assert.equal(stack.threads[m.matches[0]!.threadIndex]!.labelledChild, true, 'the child is the one named');
  // the parent alone, labelled so, is the parent's side: its note
  const parent = parseStack(`parent process:\n${spy(44167, 1777)}\n`);
  assert.deepEqual(
    matchSignatures(parent.threads, lib).matches.map((x) => `${x.signatureId}:${x.severity}`),
    ['python-parent-waits-in-execute-child:info'],
  );
});
