/**
 * Fuzzing of each pasted-format reader (lldb, gdb as pasted, gdb-info,
 * hotspot, lenient) on its own vocabulary, and a linearity check of every
 * reader: four times the input must take about four times as long (at most
 * 10x, best of interleaved runs); a quadratic reader takes 16x and fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { REPO_ROOT } from '../../helpers/native-build.js';
import { MAX_INPUT_CHARS, PARSERS, parseStack, STACK_FORMATS } from '../../../src/capture/parse/index.js';
import { MAX_LINES } from '../../../src/capture/parse/common.js';
import type { ParsedStack, StackFormat } from '../../../src/capture/types.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/stacks');
const SEED = 20261206;

/** Each reader's own tokens, so random text reaches its deep paths, not only "not recognised". */
const VOCABULARY: Record<string, string[]> = {
  lldb: [
    '(lldb) ',
    '* thread #',
    'thread #1',
    ", name = '",
    "'",
    ', stop reason = signal SIGSTOP',
    '  * frame #',
    '    frame #',
    ': 0x',
    '00007ff81b2d3b4a',
    ' libc.so.6`',
    '`',
    '__psynch_mutexwait',
    ' + ',
    '10',
    '(a=1, b=(m`f at x.c:1:2))',
    ' at ',
    'file.c:344:11',
    ' [inlined] ',
    '___lldb_unnamed_symbol12',
    'Process 12 stopped',
    '->  0x7f <+43>: cmpq',
  ],
  gdb: [
    '(gdb) ',
    '    ',
    '> ',
    '#0  ',
    '#5  ',
    '#17 ',
    '0x00007f3ea82dd12b in ',
    'futex_wait ',
    '(private=0, m=0x5 <held_lock>)',
    ' at ',
    './nptl/lowlevellock.c:49',
    ' from ',
    '/lib/x86_64-linux-gnu/libc.so.6',
    '[Switching to thread 2 (Thread 0x7f (LWP 19))]',
    'Thread 1 (Thread 0x7f (LWP 7) "x"):',
    '[New LWP 12]',
    '        __ret = -512',
    'No locals.',
    '?? ()',
    '...',
    '0x00007f1c2a9f4d ',
    'n/a',
    ' (libc.so.6 + 0x8e9a2)',
    '  in  ',
  ],
  'gdb-info': [
    '(gdb) ',
    'info line *0x7f',
    'Line 48 of "',
    './a.c',
    '" starts at address 0x7f3ea82e3482 <',
    '___pthread_mutex_lock+274',
    '> and ends at 0x7f <f+2>.',
    '0x4a2f1 is in ',
    'arena_lock_slow (src/mutex.c:88).',
    ' + 274 in section .text of ',
    '/lib/libc.so.6',
    'No symbol matches 0x7f.',
    'No line number information available for address 0x7f <f+1>',
    'futex_wait (x=1) at a.c:1',
  ],
  hotspot: [
    'Attaching to process ID 12, please wait...',
    '----------------- ',
    '19871',
    ' -----------------',
    '0x00007f6e755fd12b',
    '\t',
    '__GI___lll_lock_wait + 0x2b',
    '* java.lang.ProcessImpl.forkAndExec(int, byte[]) bci:0 (Interpreted frame)',
    '<StubRoutines>',
    '????????',
    '____________________',
    '"SCM polling" #12 prio=5 nid=0x4d9e',
    'libjvm.so + 0x1234',
    'WARNING: x',
  ],
  'macos-sample': [
    'Analysis of sampling x (pid 12) every 1 millisecond',
    'Call graph:',
    '    ',
    '+ ',
    '  ',
    '! ',
    ': ',
    '| ',
    '2774 ',
    'Thread_123',
    '   DispatchQueue_1: com.apple.main-thread  (serial)',
    'start',
    '???',
    '  (in ',
    'libsystem_kernel.dylib',
    '<unknown binary>',
    ') + ',
    '10',
    '  [0x7fff6a2e6e0a]',
    '  load address 0x1000 + 0x40',
    '  main.c:12',
    'Total number in stack',
    'Binary Images:',
    'Thread 0x10a',
    '    770 samples (1-770)',
    'User stack:',
    'Kernel stack:',
    '*770  ',
    ' + 8 (',
    'pthread_mutex.c:1490 in ',
    'libsystem_pthread.dylib + 6812',
    ') [0x19aeeca9c]',
    'Heaviest stack for the main thread of the target process:',
    ' (',
    ' (in libc',
  ],
  debuggerd: [
    '#00 pc ',
    '  native: #01 pc ',
    '#02  pc ',
    '000000000004b08c',
    '  ',
    '/apex/com.android.runtime/lib64/bionic/libc.so',
    ' (',
    'syscall+28',
    '__futex_wait_ex(void volatile*, bool, int, bool, timespec const*)+140',
    ')',
    ' (offset 0x2c000)',
    ' (BuildId: 2d6e4a1b)',
    '???',
    'pid: 819, tid: 833, name: magiskd  >>> magiskd <<<',
    '"main" sysTid=20722',
    '"main" prio=5 tid=1 Native',
    '  | sysTid=22980 nice=-10',
    '  at java.lang.Object.wait(Native method)',
    '----- pid 2143 at 2016-03-01 10:22:31 -----',
    'kernel: futex_wait_queue_me+0xf4/0x170',
    'backtrace:',
  ],
  dbx: [
    '(dbx) ',
    'where',
    'current thread: t@',
    't@1 (l@1) stopped in ',
    'thread current 2',
    '=>',
    '[1] ',
    '  [12] ',
    '__lwp_park',
    '_event_sleep',
    '(0x0, 0x8061b28)',
    '(??, ??)',
    '(argc = 2, argv = 0x2ff22b3c)',
    ', at ',
    ' at ',
    '0xfeeb6c55',
    ', line 42 in "spawn.c"',
    ' in file "',
    '.()',
    'unnamed block $b1',
    'Attached to process 4242',
    'std::vector<int, std::allocator<int> >::push_back',
    ')',
    '(',
  ],
  jstack: [
    'Full thread dump OpenJDK 64-Bit Server VM (17.0.15 mixed mode):',
    '"main" #1 prio=5 os_prio=0 cpu=41.82ms elapsed=3.13s tid=0x00007fcc78017aa0 nid=0x1117 in Object.wait()  [0x00007fcc7ebfe000]',
    '"x" #19 [4242] daemon ',
    '" Id=85 Group=main RUNNABLE (in native)',
    '"',
    'nid=',
    '0x1117',
    '   java.lang.Thread.State: WAITING (on object monitor)',
    '\tat java.lang.Object.wait(java.base@17.0.15/Native Method)',
    'at ',
    'java.lang.ProcessImpl.forkAndExec',
    '(',
    ')',
    'ProcessImpl.java:314',
    '\t- locked <0x00000000fc1117b0> (a java.lang.Thread)',
    ' - java.lang.Thread.join(long) @bci=72, line=1313 (Interpreted frame)',
    '@bci=',
    'Attaching to process ID 4373, please wait...',
    '4373:',
  ],
  lenient: [
    'libsystem_kernel.dylib`',
    '__psynch_mutexwait',
    '+0x1c',
    ' + 0x1c',
    ' + 452',
    ' in ',
    'calloc (',
    '\tat ',
    'java.lang.Foo.bar(',
    'Foo.java:1)',
    '#0 ',
    '0x00007f8e2a29e2b4 ',
    'libc.so.6 ',
    ' from /lib/libc.so.6',
    'Thread 2:',
    '----',
    '"main"',
    ' ',
    'Traceback (most recent call first):',
    'Traceback (most recent call last):',
    '  File "',
    'x.py',
    '", line ',
    '12',
    ', in ',
    'acquire',
    '    with self._lock:',
    '<built-in method acquire of _thread.lock object at remote 0x7f00>',
    'Waiting for the GIL',
    '    _acquireLock (logging/__init__.py:221)',
    ' (libc.so.6)',
    '  1: ',
    'std::sys::sync::mutex::futex::Mutex::lock_contended',
    '    0x55d0c0ffee - ',
    '", line 3 in ',
    'Thread 12 (idle): "MainThread"',
  ],
};

function assertWellFormed(r: ParsedStack): void {
  assert.ok(Array.isArray(r.threads) && Array.isArray(r.warnings) && typeof r.raw === 'string');
  for (const t of r.threads) {
    assert.ok(Array.isArray(t.frames));
    for (const f of t.frames) {
      assert.equal(f.fn === null, f.normalized === null, 'normalized is null exactly when fn is');
      assert.ok(f.address === null || /^0x[0-9a-f]{1,16}$/.test(f.address), `address ${f.address}`);
      assert.ok(f.offset === null || Number.isFinite(f.offset));
    }
  }
}

for (const [format, words] of Object.entries(VOCABULARY)) {
  const parse = PARSERS[format as StackFormat];
  const line = fc
    .array(fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 6 })), { maxLength: 12 })
    .map((a) => a.join(''));
  test(`fuzz: the ${format} reader never throws on its own vocabulary, alone or through parseStack`, () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const text = lines.join(eol);
        assertWellFormed(parse(text));
        assertWellFormed(parseStack(text));
        assertWellFormed(parseStack(text, format as StackFormat));
      }),
      { seed: SEED, numRuns: 250 },
    );
  });
}

/** This process's CPU time so far (user + system), in ms: waiting for a core on a loaded machine is not counted. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Best-of-runs CPU times of parse on each text, runs interleaved (small,
 * large, small, ...) so a GC pause or a busy neighbour hits both sizes alike;
 * the minimum is the least disturbed figure.
 */
function bestMs(parse: (t: string) => ParsedStack, texts: string[], runs = 7): number[] {
  const best = texts.map(() => Infinity);
  for (let i = 0; i < runs; i++) {
    texts.forEach((text, k) => {
      const t0 = cpuMs();
      parse(text);
      best[k] = Math.min(best[k]!, cpuMs() - t0);
    });
  }
  return best;
}

/** N copies of a unit, joined: realistic dumps (the format's fixtures) and each reader's worst lines. */
function units(format: StackFormat): string[] {
  const fixtures = readdirSync(join(FIXTURES, format))
    .filter((n) => n.endsWith('.txt'))
    .map((n) => readFileSync(join(FIXTURES, format, n), 'utf8'))
    .join('\n');
  const words = VOCABULARY[format];
  const worst = `${' '.repeat(2000)}x ${'('.repeat(1000)}\n`;
  return words
    ? [fixtures, `${words.join('')}\n`, `${words.join(' ').repeat(8).slice(0, 4000)}\n`, worst]
    : [fixtures, worst];
}

/*
 * Sizes N and 4N (both under the caps, so no cut hides a cost; see SHARE): linear is 4x,
 * quadratic 16x. The bound, 10x, leaves room for a loaded machine and for V8's
 * collector, whose work grows with the live heap (measured here: 3x to 9x on
 * the linear readers); a quadratic reader is still caught.
 */
const GROWTH = 4;
const BOUND = 10;
/** Below this the timer and a single scavenge dominate. */
const FLOOR_MS = 5;
/**
 * The large size is a quarter of the caps (the small one a sixteenth): the
 * quadratic term of a reader that rescans its input is already many times its
 * linear cost there (measured: a per-line copy of the remaining lines, put
 * into the eu-stack reader, gives x28 and fails), at a quarter of the CPU of
 * sizes up to the caps (~3 s instead of ~14 s).
 */
const SHARE = 4;

for (const format of STACK_FORMATS) {
  test(`linear time: the ${format} reader takes ~${GROWTH}x, not ${GROWTH * GROWTH}x, on ${GROWTH}x the input`, () => {
    for (const unit of units(format)) {
      const perUnitLines = unit.split('\n').length;
      const copies = Math.floor(Math.min(MAX_LINES / perUnitLines, MAX_INPUT_CHARS / unit.length) / (GROWTH * SHARE));
      const small = unit.repeat(Math.max(1, copies));
      const large = small.repeat(GROWTH);
      assert.ok(
        large.length <= MAX_INPUT_CHARS && large.split('\n').length <= MAX_LINES,
        'both sizes are under the caps',
      );
      const parse = PARSERS[format];
      parse(small); // warm up the JIT before timing
      const [a, b] = bestMs(parse, [small, large]) as [number, number];
      const ratio = b / Math.max(a, FLOOR_MS);
      assert.ok(
        ratio < BOUND,
        `${format}: ${small.length} chars in ${a.toFixed(1)} ms, ${large.length} in ${b.toFixed(1)} ms (x${ratio.toFixed(2)})`,
      );
    }
  });
}

test('the linearity check can fail: a quadratic reader is caught', () => {
  const quadratic = (t: string): ParsedStack => {
    const lines = t.split('\n');
    let n = 0;
    for (let i = 0; i < lines.length; i++) for (let j = 0; j < i; j++) n += lines[j]!.length & 1;
    return { format: 'lenient', pid: n, threads: [], warnings: [], raw: '' };
  };
  const small = 'x\n'.repeat(6000);
  const [a, b] = bestMs(quadratic, [small, small.repeat(GROWTH)], 3) as [number, number];
  assert.ok(a >= FLOOR_MS, `the small size is above the floor (${a.toFixed(1)} ms)`);
  assert.ok(b / Math.max(a, FLOOR_MS) >= BOUND, `quadratic: ${a.toFixed(1)} ms then ${b.toFixed(1)} ms`);
});
