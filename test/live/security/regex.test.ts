/**
 * Catastrophic regexes (exponential or polynomial on a backtracking engine) as
 * target selectors and as signature frame patterns: accepted, because they
 * run on RE2 (src/util/safe-regex.ts), and matched in milliseconds on
 * adversarial input; what RE2 cannot run in linear time (backreferences,
 * lookarounds) is refused at load, exit 78, naming the key. The real `scan`
 * beside a process started as nobody with a 4,000-`a` command line, and the
 * real `classify` on a stack of 4,000-`a` frames, finish within a budget.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../../security/config-reads-cli.js';
import { waitFor } from '../../helpers/wait.js';
import { compileSafeRegex } from '../../../src/util/safe-regex.js';
import { CATASTROPHIC, yamlQuote } from '../../security/regex-adversarial.js';

test('forkwatch scan with target cmdline (a+)+$ beside a nobody process named 4,000 a and a ! finishes within the budget', async (t) => {
  assert.equal(
    process.getuid?.(),
    0,
    'this test starts a process as nobody with setpriv and must run as root (CI does)',
  );
  const name = `${'a'.repeat(4000)}!`;
  // The hostile local user: any uid can pick its own argv[0]. bash only in this setup, the name passed as $0 (no interpolation).
  const hostile = spawn(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', 'bash', '-c', 'exec -a "$0" sleep 300', name],
    { stdio: 'ignore' },
  );
  t.after(() => hostile.kill('SIGKILL'));
  await waitFor(
    'the hostile process to exec',
    async () => readFileSync(`/proc/${hostile.pid}/cmdline`, 'utf8').startsWith('aaaa'),
    10_000,
    50,
  );
  const dir = tempDir(t);
  const config = join(dir, 'f.yml');
  // A process is claimed by the first target that matches it. The patterns that fail on this
  // command line (the catastrophic case: a backtracking engine tries every split of the a's) come
  // first, then the probe that finds the process: each of them ran on it before the probe did.
  const failing = CATASTROPHIC.filter((p) => !compileSafeRegex(p).test(`${name} 300`));
  assert.ok(failing.includes('(a+)+$') && failing.includes('(a|aa)+$') && failing.length >= 8, failing.join(' '));
  // Each limited to nobody, as the probe is: a pattern that fails on the hostile name may match a process of another
  // test running beside this one (a deadlocker with hung children: the scan would confirm them and exit 2).
  const evil = failing
    .map((p, i) => `  - { name: evil-${i}, cmdline: ${yamlQuote(p)}, user: '^(nobody|65534)$' }\n`)
    .join('');
  writeFileSync(config, `targets:\n${evil}  - { name: probe, cmdline: '^a{1000}', user: '^(nobody|65534)$' }\n`);
  const r = runCli(['scan', '--json', '--config', config]);
  t.diagnostic(`scan: exit ${r.status} in ${Math.round(r.ms)} ms`);
  assert.ok(r.status === 0 || r.status === 3, `exit ${r.status}: ${r.stderr}`);
  const report = JSON.parse(r.stdout) as {
    targets: { name: string; process: { pid: number } }[];
    stats: { durationMs: number };
  };
  const probe = report.targets.find((x) => x.name === 'probe');
  assert.equal(
    probe?.process.pid,
    hostile.pid,
    'the scan read the hostile command line (the probe target, after every failing pattern, found it)',
  );
  t.diagnostic(`scan stats.durationMs ${report.stats.durationMs}`);
  assert.ok(r.ms < 10_000, `scan took ${Math.round(r.ms)} ms`);
});
