import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  explainRefusal,
  looksRefused,
  readPtraceAccessFacts,
  type PtraceAccessFacts,
} from '../../src/capture/ptrace-access.js';

const facts = (o: Partial<PtraceAccessFacts>): PtraceAccessFacts => ({
  platform: 'linux',
  ourEuid: 998,
  targetUid: 1000,
  capSysPtrace: false,
  ptraceScope: null,
  targetTracerPid: 0,
  ...o,
});

test('explainRefusal says exactly what is missing', () => {
  const rows: [string, PtraceAccessFacts, RegExp[]][] = [
    ['other uid, no capability, no Yama', facts({}), [/CAP_SYS_PTRACE is missing/, /uid 998/, /uid 1000/]],
    [
      'same uid but Yama scope 1',
      facts({ ourEuid: 1000, ptraceScope: 1 }),
      [/kernel\.yama\.ptrace_scope is 1/, /descendant/],
    ],
    [
      'Yama scope 2 needs the capability even for the same uid',
      facts({ ourEuid: 1000, ptraceScope: 2 }),
      [/ptrace_scope is 2/, /CAP_SYS_PTRACE/],
    ],
    ['Yama scope 3: nothing helps', facts({ capSysPtrace: true, ptraceScope: 3 }), [/ptrace_scope is 3/, /reboot/]],
    [
      'ptrace but no DAC read: 0400 /proc files',
      facts({ capSysPtrace: true, capDacReadSearch: false, ourEuid: 999, targetUid: 1000 }),
      [/CAP_DAC_READ_SEARCH is missing/, /auxv/],
    ],
    ['already traced', facts({ capSysPtrace: true, targetTracerPid: 77 }), [/another tracer \(pid 77\)/]],
    ['everything allowed: look elsewhere', facts({ capSysPtrace: true, ptraceScope: 0 }), [/seccomp/, /AppArmor/]],
    ['illumos', facts({ platform: 'sunos' }), [/proc_owner/]],
  ];
  for (const [name, f, patterns] of rows) {
    const text = explainRefusal(f);
    for (const p of patterns) assert.match(text, p, `${name}: ${text}`);
  }
  assert.doesNotMatch(
    explainRefusal(facts({ ourEuid: 1000 })),
    /CAP_SYS_PTRACE is missing/,
    'same uid, no Yama: the capability is not what is missing',
  );
});

test("looksRefused recognises the tools' refusal messages", () => {
  assert.ok(looksRefused('ptrace: Operation not permitted.'));
  assert.ok(looksRefused('eu-stack: dwfl_linux_proc_attach pid 5: Operation not permitted'));
  assert.ok(looksRefused('pstack: cannot examine 123: permission denied'));
  assert.ok(!looksRefused('ptrace: No such process.'));
});

test('readPtraceAccessFacts reads this machine (root, no Yama file here)', () => {
  const f = readPtraceAccessFacts(process.pid, '/proc');
  assert.equal(f.platform, 'linux');
  assert.equal(f.targetUid, process.getuid!());
  assert.equal(typeof f.capSysPtrace, 'boolean');
  assert.equal(f.targetTracerPid, 0);
});
