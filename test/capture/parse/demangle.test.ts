/**
 * The demangler (src/capture/parse/demangle.ts) against the real one: every
 * C++ symbol of libstdc++ and of the JVM's libjvm.so goes through both it and
 * libstdc++'s abi::__cxa_demangle (test/helpers/native/cxa-demangle.cc, the
 * demangler eu-stack uses), and each name it demangles must read exactly the
 * same. What it does not support (expressions and decltype in template
 * arguments) it leaves mangled, and that must stay rare. Then the shapes the
 * symbol tables do not hold (Rust, macOS, clones), the normalizer's use of it,
 * and hostile input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import fc from 'fast-check';
import { buildNative, requireTool } from '../../helpers/native-build.js';
import { demangle, MAX_SYMBOL_LENGTH } from '../../../src/capture/parse/demangle.js';
import { normalizeFunctionName } from '../../../src/capture/parse/normalize.js';
import { parseStack } from '../../../src/capture/parse/index.js';
import { loadSignatures, matchSignatures } from '../../../src/match/index.js';

/** Below this share of the symbols the reference demangles, this demangler would be too partial to count on. */
const MIN_COVERAGE = 0.99;

function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { input, maxBuffer: 256 * 1024 * 1024, timeout: 120_000 }).toString();
}

/** The C++ symbols a library defines (its full symbol table when it has one, else its dynamic one), without versions. */
function symbolsOf(library: string): string[] {
  requireTool('nm');
  const table = (dynamic: boolean): string[] =>
    run('nm', [...(dynamic ? ['-D'] : []), '--defined-only', library])
      .split('\n')
      .map((line) => (line.split(' ').pop() ?? '').replace(/@.*/, ''))
      .filter((s) => s.startsWith('_Z'));
  const all = table(false);
  return [...new Set(all.length > 0 ? all : table(true))];
}

function libstdcxx(): string {
  requireTool('g++');
  return realpathSync(run('g++', ['-print-file-name=libstdc++.so']).trim());
}

/** The libjvm.so of the `java` on PATH (bin/java's JDK: lib/server/libjvm.so). */
function libjvm(): string {
  requireTool('java', ['-version']);
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'java'))
    .find((file) => existsSync(file));
  assert.ok(onPath, 'java on PATH');
  return join(dirname(dirname(realpathSync(onPath))), 'lib/server/libjvm.so');
}

function compareWithCxa(library: string): void {
  const symbols = symbolsOf(library);
  assert.ok(symbols.length >= 5000, `${library}: ${symbols.length} C++ symbols`);
  const reference = run(buildNative('cxa-demangle', { cxx: true }), [], `${symbols.join('\n')}\n`).split('\n');
  let demangled = 0;
  let referenceDemangled = 0;
  const wrong: string[] = [];
  symbols.forEach((symbol, i) => {
    const expected = reference[i];
    const ours = demangle(symbol);
    if (expected !== symbol) referenceDemangled++;
    if (ours === null) return;
    demangled++;
    if (ours !== expected) wrong.push(`${symbol}\n  ours:      ${ours}\n  reference: ${expected}`);
  });
  assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} names differ from __cxa_demangle`);
  const coverage = demangled / referenceDemangled;
  assert.ok(coverage >= MIN_COVERAGE, `${library}: ${demangled} of ${referenceDemangled} demangled (${coverage})`);
}

test('every libstdc++ symbol it demangles reads as __cxa_demangle prints it, and it demangles at least 99%', () => {
  compareWithCxa(libstdcxx());
});

test("every libjvm symbol it demangles reads as __cxa_demangle prints it (jstack --mixed's names), at least 99%", () => {
  compareWithCxa(libjvm());
});

test('names the symbol tables above do not hold: Rust legacy, macOS, clones, thunks, local names', () => {
  const cases: [string, string | null][] = [
    // Rust legacy (the hash is kept, as c++filt keeps it; the normalizer drops it)
    [
      '_ZN3std3sys4unix5locks11futex_mutex5Mutex14lock_contended17h0123456789abcdefE',
      'std::sys::unix::locks::futex_mutex::Mutex::lock_contended::h0123456789abcdef',
    ],
    [
      '_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h5a8c2a1ec5a2fa0dE',
      'core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>::h5a8c2a1ec5a2fa0d',
    ],
    // macOS symbol tables add an underscore
    ['__ZN8SpinLock8SlowLockEv', 'SpinLock::SlowLock()'],
    // GCC's clones
    ['_ZN3foo3barEv.isra.0.cold', 'foo::bar() [clone .isra.0] [clone .cold]'],
    ['_ZThn8_N3Foo3runEv', 'non-virtual thunk to Foo::run()'],
    ['_ZZN3foo3barIiEEvvENKUlvE_clEv', 'foo::bar<int>()::{lambda()#1}::operator()() const'],
    ['_ZNSt11unique_lockISt5mutexE4lockEv', 'std::unique_lock<std::mutex>::lock()'],
    ['_ZL10java_startP6Thread', 'java_start(Thread*)'],
    // not mangled, cut, or trailing garbage: left alone
    ['malloc', null],
    ['_Z', null],
    ['_ZN8SpinLock8Slo', null],
    ['_ZN8SpinLock8SlowLockEv garbage', null],
    // expressions in template arguments are not read
    ['_ZN4llvm10checkedAddIiEENSt9enable_ifIXsr3std9is_signedIT_EE5valueENS_8OptionalIS2_EEE4typeES2_S2_', null],
  ];
  for (const [symbol, expected] of cases) assert.equal(demangle(symbol), expected, symbol);
});

test('the normalizer demangles first, so a mangled frame and the demangled one gdb prints are one name', () => {
  const pairs: [string, string][] = [
    ['_ZN4base8internal13SpinLockDelayEPViii+0x4d', 'base::internal::SpinLockDelay(int volatile*, int, int)'],
    ['_ZN7Monitor5IWaitEP6Threadl + 0xcb', 'Monitor::IWait(Thread*, long)'],
    ['_ZN5Mutex4lockEv', 'Mutex::lock()'],
    ['_ZNSt11unique_lockISt5mutexE4lockEv', 'std::unique_lock<std::mutex>::lock()'],
    ['_ZN8SpinLock8SlowLockEv@@Base', 'SpinLock::SlowLock()'],
    [
      '_ZN3std3sys4unix5locks11futex_mutex5Mutex14lock_contended17h0123456789abcdefE',
      'std::sys::unix::locks::futex_mutex::Mutex::lock_contended',
    ],
  ];
  for (const [mangled, printed] of pairs) {
    const n = normalizeFunctionName(mangled);
    assert.equal(n, normalizeFunctionName(printed), mangled);
    assert.ok(n !== null && !n.startsWith('Z'), `${mangled} → ${n}`);
  }
});

test('a glibc backtrace_symbols paste with mangled names is read and its lock wait is found', () => {
  const paste = [
    'Obtained 5 stack frames.',
    '/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4(_ZN4base8internal13SpinLockDelayEPViii+0x4d)[0x7f1c2b0a1d3d]',
    '/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4(_ZN8SpinLock8SlowLockEv+0x88)[0x7f1c2b0a1c08]',
    '/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4(tc_malloc+0x1a1)[0x7f1c2b0a8b21]',
    './server(_ZN6worker5spawnERKSt6vectorISsSaISsEE+0x5e)[0x40a1ce]',
    '/lib/x86_64-linux-gnu/libc.so.6(__libc_start_main+0xf0)[0x7f1c2a6a7830]',
  ].join('\n');
  const stack = parseStack(paste);
  assert.deepEqual(
    stack.threads[0]?.frames.map((f) => f.normalized),
    ['base::internal::SpinLockDelay', 'SpinLock::SlowLock', 'tc_malloc', 'worker::spawn', 'libc_start_main'],
  );
  const result = matchSignatures(stack.threads, loadSignatures().signatures);
  assert.equal(result.matches[0]?.signatureId, 'lock-wait-single-threaded-child');
});

test('hostile names: too long, too deep, or blowing up through substitutions give null, quickly', () => {
  const deep = `_Z1f${'P'.repeat(200)}i`;
  // each function type names the previous one twice: 2^n characters if printed in full
  let doubling = '_Z1fI1A';
  for (let i = 0; i < 40; i++)
    doubling += `FvS${i === 0 ? '' : (i - 1).toString(36).toUpperCase()}_S${i === 0 ? '' : (i - 1).toString(36).toUpperCase()}_E`;
  doubling += 'EvT_';
  for (const symbol of [`_ZN${'1a'.repeat(MAX_SYMBOL_LENGTH)}E`, deep, doubling]) {
    const start = performance.now();
    assert.equal(demangle(symbol), null, symbol.slice(0, 60));
    assert.ok(performance.now() - start < 100, `${symbol.slice(0, 40)}… took ${performance.now() - start} ms`);
  }
});

test('fuzz: any string from the mangling alphabet, and mutations of real names, never throw', () => {
  const alphabet = '_ZNESILKVRPOFAMTDJXpvicbjlmsadhtxyCn0123456789St';
  const seeds = [
    '_ZN7Monitor5IWaitEP6Threadl',
    '_ZNSt11unique_lockISt5mutexE4lockEv',
    '_ZZN3foo3barIiEEvvENKUlvE_clEv',
  ];
  fc.assert(
    fc.property(
      fc.oneof(
        fc.array(fc.constantFrom(...alphabet.split('')), { maxLength: 300 }).map((cs) => `_Z${cs.join('')}`),
        fc
          .tuple(fc.constantFrom(...seeds), fc.nat(40), fc.constantFrom(...alphabet.split('')))
          .map(([s, at, c]) => s.slice(0, at % s.length) + c + s.slice((at % s.length) + 1)),
      ),
      (symbol) => {
        const start = performance.now();
        const out = demangle(symbol);
        assert.ok(out === null || (typeof out === 'string' && out.length > 0));
        assert.ok(performance.now() - start < 50);
      },
    ),
    { seed: 20261206, numRuns: 3000 },
  );
});
