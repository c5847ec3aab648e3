/**
 * Which signature each stack fixture matches, through the shipped library:
 * the seed's two illumos dumps → #1667; every real capture of the suite's hung
 * child (eu-stack and gdb, with and without symbols) → glibc atfork; the
 * decoys → nothing; each synthetic dump → the id its file name starts with.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/native-build.js';
import { parseStack, STACK_FORMATS } from '../../src/capture/parse/index.js';
import { diagnoseStackText, loadSignatures, matchSignatures } from '../../src/match/index.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/stacks');
const library = loadSignatures();
const all = STACK_FORMATS.filter((format) => existsSync(join(FIXTURES, format))).flatMap((format) =>
  readdirSync(join(FIXTURES, format))
    .filter((n) => n.endsWith('.txt'))
    .map((name) => ({ format, name, text: readFileSync(join(FIXTURES, format, name), 'utf8') })),
);

test('the shipped library loads without errors and has every required signature', () => {
  assert.deepEqual(library.errors, []);
  const ids = library.signatures.map((s) => s.id);
  for (const id of [
    'illumos-pkcs11-cryptoutil-1667',
    'glibc-atfork-child-lock',
    'glibc-malloc-lock-after-fork',
    'glibc-nss-after-fork',
    'openssl-lock-after-fork',
    'tcmalloc-lock-after-fork',
    'jemalloc-lock-after-fork',
    'musl-malloc-lock-after-fork',
    'lock-wait-single-threaded-child',
    'lock-wait-forked-child',
    'glibc-atfork-prepare-handler',
    'tcmalloc-prepare-handler',
    'jemalloc-prepare-handler',
    'musl-atfork-child-lock',
    'musl-atfork-prepare-handler',
    'macos-atfork-child-lock',
    'macos-atfork-prepare-handler',
    'allocator-lock-reentered',
  ]) {
    assert.ok(ids.includes(id), `${id} shipped`);
  }
  assert.ok(library.signatures.every((s) => /^\d+\.\d+\.\d+$/.test(s.version)));
  assert.match(
    library.signatures.find((s) => s.id === 'illumos-pkcs11-cryptoutil-1667')!.title,
    /\(illumos #1667\)$/,
    'YAML did not cut the title at " #"',
  );
});

test('seed report: both illumos dumps (pstack and mdb, verbatim) match #1667 first', () => {
  for (const file of ['pstack/illumos-seed-1667.txt', 'mdb/illumos-seed-1667.txt']) {
    const { stack, match } = diagnoseStackText(readFileSync(join(FIXTURES, file), 'utf8'), library.signatures);
    assert.equal(stack.format, file.split('/')[0]);
    assert.equal(match.matches[0]?.signatureId, 'illumos-pkcs11-cryptoutil-1667', file);
    assert.ok(match.deadlock);
    const names = match.matches[0]!.frames;
    assert.ok(names.includes('pkcs11_close_urandom') && names.includes('lwp_park'), names.join(' '));
    assert.ok(
      library.signatures
        .find((s) => s.id === 'illumos-pkcs11-cryptoutil-1667')!
        .references.some((r) => r.title.includes('4909')),
    );
  }
});

test('the mdb seed dump reaches fork through the pkcs11 fork child handler', () => {
  const m = diagnoseStackText(
    readFileSync(join(FIXTURES, 'mdb/illumos-seed-1667.txt'), 'utf8'),
    library.signatures,
  ).match;
  assert.ok(
    m.matches[0]!.frames.some((f) => /^fork/.test(f)),
    m.matches[0]!.frames.join(' '),
  );
});

const hung = all.filter((f) => f.name.startsWith('linux-hung'));
test('real captures of the hung child exist for both tools, with and without symbols', () => {
  for (const format of ['eu-stack', 'gdb']) {
    const names = hung.filter((f) => f.format === format).map((f) => f.name);
    assert.ok(
      names.some((n) => n.includes('stripped-nodebuginfo')),
      `${format}: stripped + no debuginfo`,
    );
    assert.ok(names.includes('linux-hung.txt'), `${format}: with symbols`);
  }
});
for (const f of hung) {
  test(`real ${f.format}/${f.name} → glibc-atfork-child-lock`, () => {
    const m = matchSignatures(parseStack(f.text).threads, library.signatures);
    assert.equal(m.matches[0]?.signatureId, 'glibc-atfork-child-lock');
    assert.ok(m.deadlock);
  });
}

for (const file of [
  'hotspot/jvm-parent-mixed.txt',
  'jstack/jvm-parent.txt',
  'jstack/jvm-parent-jcmd.txt',
  'jstack/jvm-parent-sa.txt',
]) {
  test(`real ${file} (the JVM reproducer): only the parent's forkAndExec note, on its polling thread; no deadlock`, () => {
    const f = all.find((x) => `${x.format}/${x.name}` === file)!;
    const stack = parseStack(f.text);
    const m = matchSignatures(stack.threads, library.signatures);
    assert.deepEqual(
      m.matches.map((x) => [x.signatureId, x.severity, stack.threads[x.threadIndex]!.name]),
      [['jdk-parent-waits-in-forkandexec', 'info', 'SCM polling for demo-job']],
    );
    assert.equal(m.deadlock, false);
  });
}

for (const f of all.filter((x) => x.name === 'libgomp-thread-pool-after-fork.txt')) {
  test(`real ${f.format}/${f.name} (the suite's omp-forker child, no libgomp symbols) → libgomp-thread-pool-after-fork (forked child)`, () => {
    const threads = parseStack(f.text).threads;
    const m = matchSignatures(threads, library.signatures, { forkedChild: true });
    assert.equal(m.matches[0]?.signatureId, 'libgomp-thread-pool-after-fork');
    // as pasted, one thread in libgomp may as well be gdb's bt of the master of a live pool
    assert.equal(matchSignatures(threads, library.signatures).deadlock, false);
  });
}

for (const f of all.filter((x) => /^linux-(parent|sleeper|accepter|busy)/.test(x.name))) {
  test(`real decoy ${f.format}/${f.name} → no signature`, () => {
    const m = matchSignatures(parseStack(f.text).threads, library.signatures);
    assert.deepEqual(m.matches, []);
    assert.equal(m.deadlock, false);
  });
}

/**
 * Synthetic children whose dump alone does not show they are forked children
 * (an allocator lock wait under the application's own code could as well be a
 * self-deadlock): matched as the daemon matches its captures, { forkedChild: true }.
 */
const FORKED_CHILD_ONLY = new Set([
  'gdb/jemalloc-lock-after-fork.synthetic.txt',
  'lldb/jemalloc-lock-after-fork.synthetic-macos.txt',
  'gdb/libgomp-thread-pool-after-fork.synthetic-with-symbols.txt',
  'gdb/openblas-thread-pool-after-fork.synthetic.txt',
  'eu-stack/openssl-lock-after-fork.synthetic.txt',
]);

for (const f of all.filter((x) => x.name.includes('.synthetic'))) {
  const expected = f.name.split('.synthetic')[0]!;
  const forkedChild = FORKED_CHILD_ONLY.has(`${f.format}/${f.name}`);
  test(`synthetic ${f.format}/${f.name} → ${expected}${forkedChild ? ' (forked child)' : ''}`, () => {
    const m = matchSignatures(parseStack(f.text).threads, library.signatures, { forkedChild });
    if (expected === 'no-match') {
      assert.deepEqual(m.matches, []);
      return;
    }
    assert.equal(m.matches[0]?.signatureId, expected, m.matches.map((x) => x.signatureId).join(', '));
    // an info note (the parent's side of a fork) is no deadlock; every other signature is one
    const info = library.signatures.find((x) => x.id === expected)?.severity === 'info';
    assert.equal(m.deadlock, !info);
  });
}

test('the generic fallback never shows beside a specific match', () => {
  for (const f of all) {
    const m = matchSignatures(parseStack(f.text).threads, library.signatures);
    if (m.matches.some((x) => x.generic)) assert.equal(m.matches.length, 1, f.name);
  }
});

test('fingerprint: every real capture of the hung C child (eu-stack and gdb, with and without libc debug symbols) has one fingerprint', () => {
  const fp = (f: { text: string }) => matchSignatures(parseStack(f.text).threads, library.signatures).fingerprint;
  const unstripped = hung.filter((f) => !f.name.includes('stripped'));
  const stripped = hung.filter((f) => f.name.includes('stripped'));
  assert.ok(
    unstripped.some((f) => f.format === 'gdb' && f.name.includes('nodebuginfo')) &&
      unstripped.some((f) => f.format === 'eu-stack' && f.name.includes('nodebuginfo')),
  );
  assert.equal(new Set(unstripped.map(fp)).size, 1, unstripped.map((f) => `${f.format}/${f.name} ${fp(f)}`).join('\n'));
  // A stripped binary is another binary: its frames have no names, so it has a fingerprint of its own, shared by every tool.
  assert.equal(new Set(stripped.map(fp)).size, 1, stripped.map((f) => `${f.format}/${f.name} ${fp(f)}`).join('\n'));
  assert.notEqual(fp(unstripped[0]!), fp(stripped[0]!));
  const jdk = all.filter((f) => f.name.startsWith('glibc-malloc-lock-after-fork.synthetic-jdk'));
  assert.equal(jdk.length, 2);
  assert.equal(
    new Set(jdk.map(fp)).size,
    1,
    'the JDK pre-exec dump: gdb with symbols (inlined frames) and eu-stack without',
  );
});
