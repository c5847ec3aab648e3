/** Rules over plain facts: every condition must hold, absent inverts, risk is the highest level. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRules } from '../../src/audit/evaluate.js';
import { loadRules } from '../../src/audit/load.js';
import type { ProcessFacts } from '../../src/audit/types.js';

const rules = loadRules().rules;

function facts(over: Partial<ProcessFacts> = {}): ProcessFacts {
  return {
    pid: 1,
    platform: 'linux',
    executable: { path: '/usr/lib/jvm/java-17/bin/java', atforkImport: false },
    libraries: [
      { path: '/usr/lib/x86_64-linux-gnu/libc.so.6', atforkImport: false },
      { path: '/usr/lib/jvm/java-17/lib/server/libjvm.so', atforkImport: false },
    ],
    args: ['java', '-jar', 'jenkins.war'],
    properties: {},
    environment: {},
    threads: 40,
    libc: { name: 'glibc', version: '2.36', path: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
    os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12' },
    jdk: null,
    unreadable: [],
    ...over,
  };
}
const FORK = { 'jdk.lang.Process.launchMechanism': { value: 'FORK', from: 'cmdline' } };

test('a default JVM with nothing preloaded: none', () => {
  assert.deepEqual(evaluateRules(facts(), rules), { risk: 'none', reasons: [] });
});

test('FORK alone: low, naming the property as evidence and the POSIX_SPAWN prevention', () => {
  const r = evaluateRules(facts({ properties: FORK }), rules);
  assert.equal(r.risk, 'low');
  assert.deepEqual(
    r.reasons.map((x) => x.rule),
    ['jdk-launch-mechanism-fork'],
  );
  assert.deepEqual(r.reasons[0]!.evidence, {
    kind: 'property',
    text: 'jdk.lang.Process.launchMechanism=FORK (cmdline)',
  });
  assert.match(r.reasons[0]!.prevention, /-Djdk\.lang\.Process\.launchMechanism=POSIX_SPAWN/);
});

test('FORK + LD_PRELOAD of a library with a fork handler: high, with each piece of evidence', () => {
  const lib = { path: '/opt/x/libatfork.so', atforkImport: true };
  const r = evaluateRules(
    facts({ properties: FORK, environment: { LD_PRELOAD: lib.path }, libraries: [...facts().libraries, lib] }),
    rules,
  );
  assert.equal(r.risk, 'high');
  const ids = r.reasons.map((x) => x.rule);
  for (const id of [
    'jdk-fork-with-preload',
    'jdk-fork-with-atfork-handler',
    'jdk-launch-mechanism-fork',
    'ld-preload-set',
  ])
    assert.ok(ids.includes(id), id);
  const pre = r.reasons.find((x) => x.rule === 'jdk-fork-with-preload')!;
  assert.deepEqual(
    pre.evidenceAll.map((e) => e.kind),
    ['property', 'environment'],
  );
  assert.equal(pre.evidenceAll[1]!.text, 'LD_PRELOAD=/opt/x/libatfork.so');
  assert.equal(r.reasons[0]!.level, 'high'); // high reasons first
});

test('environ unreadable: environment conditions neither hold nor are taken as absent', () => {
  const r = evaluateRules(facts({ properties: FORK, environment: null }), rules);
  assert.deepEqual(
    r.reasons.map((x) => x.rule),
    ['jdk-launch-mechanism-fork'],
  );
});

test('illumos with libpkcs11 mapped: high, citing #1667, #4909 and 05d57413', () => {
  const r = evaluateRules(
    facts({ platform: 'illumos', libraries: [{ path: '/usr/lib/amd64/libpkcs11.so.1', atforkImport: null }] }),
    rules,
  );
  assert.equal(r.risk, 'high');
  assert.equal(r.reasons[0]!.rule, 'illumos-libpkcs11');
  assert.match(r.reasons[0]!.prevention, /SunPKCS11/);
  assert.match(r.reasons[0]!.prevention, /05d57413/);
});

test('old glibc: low; a native threaded program with its own handler: high, a JVM with the same import is not', () => {
  assert.equal(
    evaluateRules(facts({ libc: { name: 'glibc', version: '2.17', path: '/lib64/libc-2.17.so' } }), rules).reasons[0]
      ?.rule,
    'glibc-malloc-fork-handler-before-2.24',
  );
  const native = facts({
    executable: { path: '/usr/bin/prog', atforkImport: true },
    libraries: [{ path: '/lib/libc.so.6', atforkImport: false }],
    threads: 5,
  });
  const r = evaluateRules(native, rules);
  assert.equal(r.risk, 'high');
  assert.deepEqual(
    r.reasons[0]!.evidenceAll.map((e) => e.kind),
    ['atfork-import', 'threads', 'library'],
  );
  const jvm = facts({ executable: { path: '/usr/bin/java', atforkImport: true } });
  assert.equal(evaluateRules(jvm, rules).risk, 'none');
  assert.equal(evaluateRules({ ...native, threads: 1 }, rules).risk, 'none');
});
