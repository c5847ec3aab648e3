/** Matcher table tests on hand-built threads, and fingerprint stability. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/native-build.js';
import { normalizeFunctionName, parseStack } from '../../src/capture/parse/index.js';
import type { Frame, Thread } from '../../src/capture/types.js';
import {
  fingerprintFrames,
  fingerprintFramesV1,
  hangNames,
  loadSignatures,
  matchOneSignature,
  matchSignatures,
} from '../../src/match/index.js';
import type { Signature, SignatureRule } from '../../src/match/types.js';
import { cpuMs } from '../helpers/cpu-time.js';

/** `name` or `name@module`; `??` for a frame without a name. */
function thread(spec: string[], tid: number | null = 1): Thread {
  const frames: Frame[] = spec.map((s, i) => {
    const [name, module] = s.split('@');
    const fn = name === '??' ? null : name!;
    return {
      fn,
      normalized: normalizeFunctionName(fn),
      module: module ?? null,
      offset: null,
      address: `0x${(0x1000 + i).toString(16)}`,
    };
  });
  return { tid, name: null, frames };
}

function sig(id: string, rules: SignatureRule[], extra: Partial<Signature> = {}): Signature {
  return {
    id,
    title: id,
    description: id,
    severity: 'critical',
    references: [],
    rules,
    version: '1',
    source: 'test',
    ...extra,
  };
}

const rows: { name: string; rule: SignatureRule; stack: string[]; threads?: number; expect: number[] | null }[] = [
  {
    name: 'ordered patterns with gaps',
    rule: { frames: [{ fn: 'a' }, { fn: 'c' }] },
    stack: ['a', 'b', 'c'],
    expect: [0, 2],
  },
  { name: 'order matters', rule: { frames: [{ fn: 'c' }, { fn: 'a' }] }, stack: ['a', 'b', 'c'], expect: null },
  {
    name: 'maxGap 0 needs adjacency',
    rule: { frames: [{ fn: 'a' }, { fn: 'c', maxGap: 0 }] },
    stack: ['a', 'b', 'c'],
    expect: null,
  },
  {
    name: 'maxGap 1 allows one',
    rule: { frames: [{ fn: 'a' }, { fn: 'c', maxGap: 1 }] },
    stack: ['a', 'b', 'c'],
    expect: [0, 2],
  },
  {
    name: 'withinTop bounds the first pattern',
    rule: { withinTop: 2, frames: [{ fn: 'c' }] },
    stack: ['a', 'b', 'c'],
    expect: null,
  },
  {
    name: 'withinTop 3 reaches it',
    rule: { withinTop: 3, frames: [{ fn: 'c' }] },
    stack: ['a', 'b', 'c'],
    expect: [2],
  },
  { name: 'regex is anchored', rule: { frames: [{ fn: 'lock' }] }, stack: ['pthread_mutex_lock'], expect: null },
  {
    name: 'matches the normalized name',
    rule: { frames: [{ fn: 'lll_lock_wait' }] },
    stack: ['__GI___lll_lock_wait'],
    expect: [0],
  },
  {
    name: 'unnamed frames are ??',
    rule: { frames: [{ fn: '\\?\\?' }, { fn: 'malloc', maxGap: 0 }] },
    stack: ['??', 'malloc'],
    expect: [0, 1],
  },
  {
    name: 'unnamed: true',
    rule: { frames: [{ unnamed: true }, { fn: 'fork' }] },
    stack: ['x', '??', 'fork'],
    expect: [1, 2],
  },
  {
    name: 'unnamed: true refuses a named frame',
    rule: { withinTop: 1, frames: [{ unnamed: true }] },
    stack: ['x'],
    expect: null,
  },
  {
    name: 'module regex',
    rule: { frames: [{ module: 'libjemalloc' }] },
    stack: ['??@/usr/lib/libjemalloc.so.2'],
    expect: [0],
  },
  {
    name: 'module regex needs a printed module',
    rule: { frames: [{ fn: 'f', module: 'libc' }] },
    stack: ['f'],
    expect: null,
  },
  {
    name: 'optional present',
    rule: { frames: [{ fn: 'a' }, { fn: 'b', optional: true }, { fn: 'c' }] },
    stack: ['a', 'b', 'c'],
    expect: [0, 1, 2],
  },
  {
    name: 'optional absent',
    rule: { frames: [{ fn: 'a' }, { fn: 'b', optional: true }, { fn: 'c' }] },
    stack: ['a', 'x', 'c'],
    expect: [0, 2],
  },
  {
    name: 'backtracks past a greedy early hit',
    rule: { frames: [{ fn: 'l' }, { fn: 'p.*' }, { fn: 'h', maxGap: 0 }] },
    stack: ['l', 'p1', 'x', 'p2', 'h'],
    expect: [0, 3, 4],
  },
  {
    name: 'belowFork satisfied',
    rule: { belowFork: true, frames: [{ fn: 'lock' }] },
    stack: ['lock', 'h', '__libc_fork'],
    expect: [0],
  },
  {
    name: 'belowFork unmet',
    rule: { belowFork: true, frames: [{ fn: 'lock' }] },
    stack: ['lock', 'h', 'main'],
    expect: null,
  },
  {
    name: 'unless vetoes',
    rule: { unless: 'run_prefork_handlers', frames: [{ fn: 'lock' }] },
    stack: ['lock', '__run_prefork_handlers'],
    expect: null,
  },
  {
    name: 'singleThreaded with two threads',
    rule: { singleThreaded: true, frames: [{ fn: 'lock' }] },
    stack: ['lock'],
    threads: 2,
    expect: null,
  },
  { name: 'empty stack', rule: { frames: [{ fn: '.*' }] }, stack: [], expect: null },
];

for (const row of rows) {
  test(`matcher: ${row.name}`, () => {
    const threads = Array.from({ length: row.threads ?? 1 }, (_, i) => thread(row.stack, i + 1));
    const m = matchOneSignature(threads, sig('t', [row.rule]));
    assert.deepEqual(m?.frameIndexes ?? null, row.expect);
  });
}

test('matcher: generic only when nothing specific matched; order by severity then frames matched', () => {
  const generic = sig('g', [{ frames: [{ fn: 'lock' }] }], { generic: true, severity: 'warning' });
  const two = sig('two', [{ frames: [{ fn: 'lock' }, { fn: 'fork' }] }]);
  const one = sig('one', [{ frames: [{ fn: 'lock' }] }]);
  const info = sig('info', [{ frames: [{ fn: 'lock' }, { fn: 'h' }, { fn: 'fork' }] }], { severity: 'info' });
  const t = [thread(['lock', 'h', 'fork'])];
  assert.deepEqual(
    matchSignatures(t, [generic, one, info, two]).matches.map((m) => m.signatureId),
    ['two', 'one', 'info'],
  );
  const onlyGeneric = matchSignatures(t, [generic]);
  assert.deepEqual(
    onlyGeneric.matches.map((m) => [m.signatureId, m.generic]),
    [['g', true]],
  );
  assert.equal(onlyGeneric.deadlock, true);
  assert.equal(matchSignatures(t, [info]).deadlock, false, 'info alone is not a deadlock');
  assert.deepEqual(matchSignatures([thread(['main'])], [generic, one]).matches, []);
});

test('matcher: reports thread index, tid, rule name and frame names', () => {
  const s = sig('x', [
    { name: 'first', frames: [{ fn: 'nope' }] },
    { name: 'second', frames: [{ fn: '\\?\\?' }, { fn: 'malloc' }] },
  ]);
  const m = matchSignatures([thread(['main'], 5), thread(['??', 'malloc'], 6)], [s]).matches[0]!;
  assert.deepEqual([m.threadIndex, m.tid, m.rule, m.frames], [1, 6, 'second', ['??', 'malloc']]);
});

test('matcher: a signature whose regex does not compile matches nothing (no throw)', () => {
  assert.deepEqual(matchSignatures([thread(['a'])], [sig('bad', [{ frames: [{ fn: '(' }] }])]).matches, []);
});

test('matcher: deep stacks are searched only near the top, quickly', () => {
  const deep = thread([...Array.from({ length: 3000 }, (_, i) => `f${i}`), 'lock', 'fork']);
  const lib = loadSignatures().signatures;
  const { value: m, ms } = cpuMs(() => matchSignatures([deep], lib));
  assert.deepEqual(m.matches, []);
  assert.ok(ms < 500, `${ms.toFixed(0)} ms of CPU`);
});

test('fingerprint: addresses, offsets, versions and clones do not change it; frames do', () => {
  const a = thread(['__GI___lll_lock_wait', '__pthread_mutex_lock@GLIBC_2.2.5', 'handler.isra.0', 'fork']);
  const b = thread(['__lll_lock_wait', 'pthread_mutex_lock', 'handler', '__fork']);
  b.frames.forEach((f, i) => {
    f.address = `0x7f${i}`;
    f.offset = i * 7;
  });
  assert.equal(fingerprintFrames(a.frames), fingerprintFrames(b.frames));
  assert.match(fingerprintFrames(a.frames), /^[0-9a-f]{16}$/);
  assert.notEqual(
    fingerprintFrames(a.frames),
    fingerprintFrames(thread(['lll_lock_wait', 'pthread_mutex_lock', 'other', 'fork']).frames),
  );
  assert.equal(fingerprintFrames([]), 'none');
  assert.equal(
    fingerprintFrames(a.frames),
    fingerprintFrames(thread(['??', 'pthread_mutex_lock', 'handler', '??', '__libc_fork']).frames),
    'lock internals and unnamed frames left out',
  );
  assert.notEqual(fingerprintFramesV1(a.frames), fingerprintFrames(a.frames), 'version 2 differs from version 1');
});

test('fingerprint: the hang is the frames above fork, fork and one caller; without fork, the first 4 names', () => {
  const names = (spec: string[]) => hangNames(thread(spec).frames);
  assert.deepEqual(
    names([
      'lll_lock_wait',
      'pthread_mutex_lock',
      'h1',
      'h2',
      '__run_postfork_handlers',
      '__libc_fork',
      'spawn',
      'main',
      '__libc_start_call_main',
    ]),
    ['h1', 'h2', 'fork', 'spawn'],
  );
  assert.deepEqual(names(['a', 'b', 'c', 'd', 'e', 'f']), ['a', 'b', 'c', 'd']);
  const deep1 = thread(['a', 'b', 'c', 'd', 'x1']);
  const deep2 = thread(['a', 'b', 'c', 'd', 'x2']);
  assert.equal(
    fingerprintFrames(deep1.frames),
    fingerprintFrames(deep2.frames),
    'only the first 4 names count without fork',
  );
  assert.deepEqual(
    names([
      '__lll_lock_wait_private',
      '__GI___libc_malloc',
      '_int_malloc',
      'alloc_dir',
      '__opendir',
      'closeDescriptors',
    ]),
    ['malloc', 'opendir', 'closeDescriptors'],
    '__libc_ dropped, glibc internals left out',
  );
});

test('fingerprint: inlined frames are left out (gdb: the outer frame has no address; eu-stack -v: the same address)', () => {
  const gdbLike = thread(['f', 'inlined_helper', 'outer', 'main']);
  gdbLike.frames[2]!.address = null; // outer: the frame inlined_helper was inlined into
  gdbLike.frames[2]!.source = 'deadlocker.c:42'; // inlining needs debug info: gdb prints the source
  assert.deepEqual(hangNames(gdbLike.frames), ['f', 'outer', 'main']);
  const infoSymbolLike = thread(['f', 'g', 'h', 'main']);
  infoSymbolLike.frames[2]!.address = null; // gdb `info symbol` lines: no address, no source, not inlined
  assert.deepEqual(hangNames(infoSymbolLike.frames), ['f', 'g', 'h', 'main']);
  const euLike = thread(['f', 'inlined_helper', 'outer', 'main']);
  euLike.frames[2]!.address = euLike.frames[1]!.address;
  assert.deepEqual(hangNames(euLike.frames), ['f', 'outer', 'main']);
  const noAddresses = thread(['f', 'g', 'h']);
  for (const f of noAddresses.frames) f.address = null;
  assert.deepEqual(hangNames(noAddresses.frames), ['f', 'g', 'h'], 'a dump without addresses has no inline marks');
});

test('fingerprint: a real capture keeps its fingerprint when ASLR moves every address', () => {
  const text = readFileSync(join(REPO_ROOT, 'test/fixtures/stacks/gdb/linux-hung-stripped-nodebuginfo.txt'), 'utf8');
  const moved = text
    .replace(/0x[0-9a-f]{8,16}/g, (h) => `0x${(BigInt(h) + 0x1234000n).toString(16).padStart(16, '0')}`)
    .replace(/LWP \d+/g, 'LWP 99999');
  assert.notEqual(moved, text);
  const lib = loadSignatures().signatures;
  assert.equal(
    matchSignatures(parseStack(moved).threads, lib).fingerprint,
    matchSignatures(parseStack(text).threads, lib).fingerprint,
  );
});
