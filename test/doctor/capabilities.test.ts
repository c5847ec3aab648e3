/** The privilege parsers and verdicts (pure), on real-format /proc/self/status text and synthetic ppriv output. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStatus } from '../../src/proc/parse/status.js';
import {
  missingCaps,
  parsePprivEffective,
  parsePtraceScope,
  pprivVerdict,
  yamaVerdict,
} from '../../src/doctor/capabilities.js';
import { linuxPrivilegeChecks } from '../../src/doctor/privileges.js';
import { REPO_ROOT } from '../helpers/native-build.js';

const FIXTURES = join(REPO_ROOT, 'test/doctor/fixtures');
const parseCapEff = (text: string) => parseStatus(text).capEff;
const parseEffectiveUid = (text: string) => parseStatus(text).effectiveUid;
const status = (capEff: string, uid = 65534) =>
  `Name:\tnode\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\nCapBnd:\t000001ffffffffff\n`;

test('CapEff decoded: bit 19 is CAP_SYS_PTRACE, bit 2 CAP_DAC_READ_SEARCH', () => {
  assert.deepEqual(missingCaps(parseCapEff(status('0000000000000000'))!), ['CAP_DAC_READ_SEARCH', 'CAP_SYS_PTRACE']);
  assert.deepEqual(missingCaps(parseCapEff(status('0000000000080000'))!), ['CAP_DAC_READ_SEARCH']);
  assert.deepEqual(missingCaps(parseCapEff(status('0000000000000004'))!), ['CAP_SYS_PTRACE']);
  assert.deepEqual(missingCaps(parseCapEff(status('0000000000080004'))!), []);
  assert.deepEqual(missingCaps(parseCapEff(status('000001ffffffffff'))!), []);
  assert.equal(parseCapEff('Name:\tx\nCapEff:\tzz\n'), null);
  assert.equal(parseEffectiveUid(status('0', 1000)), 1000);
});

test('this process: CapEff and Uid of the real /proc/self/status parse', () => {
  const text = readFileSync('/proc/self/status', 'utf8');
  assert.notEqual(parseCapEff(text), null);
  assert.equal(parseEffectiveUid(text), process.geteuid!());
});

test('privileges line: fail naming the missing capabilities and the fix; ok with both', () => {
  const [none] = linuxPrivilegeChecks({ euid: 65534, capEff: 0n, scope: null });
  assert.equal(none!.status, 'fail');
  assert.match(none!.detail, /CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE not in the effective set/);
  assert.match(none!.fix!, /AmbientCapabilities=CAP_SYS_PTRACE CAP_DAC_READ_SEARCH/);
  const [both] = linuxPrivilegeChecks({ euid: 65534, capEff: 0x80004n, scope: null });
  assert.equal(both!.status, 'ok');
  assert.equal(both!.fix, null);
  const [unknown] = linuxPrivilegeChecks({ euid: null, capEff: null, scope: null });
  assert.equal(unknown!.status, 'unknown');
});

test('Yama: 0 and absent ok; 1 and 2 need CAP_SYS_PTRACE; 3 forbids attach whatever is held', () => {
  assert.equal(parsePtraceScope('2\n'), 2);
  assert.equal(parsePtraceScope('7\n'), 'malformed');
  assert.equal(yamaVerdict(null, false).status, 'ok');
  assert.equal(yamaVerdict(0, false).status, 'ok');
  assert.equal(yamaVerdict(1, false).status, 'fail');
  assert.equal(yamaVerdict(1, true).status, 'ok');
  assert.equal(yamaVerdict(2, false).status, 'fail');
  assert.match(yamaVerdict(2, false).fix!, /CAP_SYS_PTRACE/);
  assert.equal(yamaVerdict(2, true).status, 'ok');
  assert.equal(yamaVerdict(3, true).status, 'fail');
  assert.match(yamaVerdict(3, true).fix!, /reboot/);
  const lines = linuxPrivilegeChecks({ euid: 0, capEff: 0x1ffffffffffn, scope: 'malformed' });
  assert.equal(lines[1]!.status, 'unknown');
});

test('illumos ppriv: proc_owner in E: ok; basic only: fail with the SMF fix; negated or absent: fail', () => {
  const owner = parsePprivEffective(readFileSync(join(FIXTURES, 'ppriv-proc-owner.txt'), 'utf8'));
  assert.deepEqual(owner, ['basic', 'proc_owner']);
  assert.equal(pprivVerdict(owner).status, 'ok');
  const basic = parsePprivEffective(readFileSync(join(FIXTURES, 'ppriv-basic.txt'), 'utf8'));
  const v = pprivVerdict(basic);
  assert.equal(v.status, 'fail');
  assert.match(v.fix!, /proc_owner/);
  assert.equal(pprivVerdict(['all', '!proc_owner']).status, 'fail');
  assert.equal(pprivVerdict(['all']).status, 'ok');
  assert.equal(pprivVerdict(parsePprivEffective('no such process\n')).status, 'fail');
});
