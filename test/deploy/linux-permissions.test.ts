/**
 * The capability claim of deploy/systemd/forkwatch.service, measured: an
 * unprivileged user holding exactly the unit's AmbientCapabilities= can read
 * the kernel evidence of another user's process and stack it with eu-stack;
 * with CAP_SYS_PTRACE alone it cannot. Needs root (to switch users with
 * setpriv), as in CI; anything missing fails the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { requireTool } from '../helpers/native-build.js';
import { describeResult, readRepoFile, runTool } from './support.js';

const JENKINS_UID = '4242';
const DAEMON_UID = '65534';

function unitCapabilities(): string[] {
  const line = readRepoFile('deploy/systemd/forkwatch.service')
    .split('\n')
    .find((l) => l.startsWith('AmbientCapabilities='));
  assert.ok(line, 'AmbientCapabilities= in the unit');
  return line.slice('AmbientCapabilities='.length).trim().split(/\s+/);
}

/** setpriv's spelling: CAP_SYS_PTRACE → +sys_ptrace. */
function asSetprivCaps(caps: string[]): string {
  return caps.map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`).join(',');
}

function runAsDaemonUser(caps: string[], cmd: string[]): ReturnType<typeof runTool> {
  const c = asSetprivCaps(caps);
  return runTool('setpriv', [
    `--reuid=${DAEMON_UID}`,
    `--regid=${DAEMON_UID}`,
    '--clear-groups',
    `--inh-caps=${c}`,
    `--ambient-caps=${c}`,
    ...cmd,
  ]);
}

test("the unit's two capabilities let another user read /proc/PID/{exe,wchan,syscall} and run eu-stack; CAP_SYS_PTRACE alone does not", async () => {
  requireTool('setpriv', ['--version']);
  requireTool('eu-stack', ['--version']);
  assert.equal(process.getuid?.(), 0, 'this test switches users with setpriv and must run as root (CI does)');
  const caps = unitCapabilities();
  // A process of "the Jenkins user", sleeping in the kernel.
  const target = spawn('setpriv', [`--reuid=${JENKINS_UID}`, `--regid=${JENKINS_UID}`, '--clear-groups', 'sleep', '300'], { stdio: 'ignore' });
  const pid = target.pid;
  assert.ok(pid);
  try {
    await new Promise((r) => setTimeout(r, 300));
    const withUnitCaps = runAsDaemonUser(caps, ['sh', '-c', `readlink /proc/${pid}/exe && cat /proc/${pid}/wchan && echo && cat /proc/${pid}/syscall`]);
    assert.equal(withUnitCaps.status, 0, describeResult(withUnitCaps));
    assert.match(withUnitCaps.stdout, /sleep\n/);
    assert.doesNotMatch(withUnitCaps.stdout.split('\n')[1] ?? '', /^0$/, 'wchan reads "0" when access is denied');
    assert.match(withUnitCaps.stdout.split('\n')[2] ?? '', /^[0-9]+ 0x/);
    const stack = runAsDaemonUser(caps, ['eu-stack', '-p', String(pid)]);
    assert.equal(stack.status, 0, describeResult(stack));
    assert.match(stack.stdout, new RegExp(`TID ${pid}:`));

    const ptraceOnly = runAsDaemonUser(['CAP_SYS_PTRACE'], ['cat', `/proc/${pid}/syscall`]);
    assert.notEqual(ptraceOnly.status, 0, 'CAP_SYS_PTRACE alone should not open a 0400 /proc file of another user');
    assert.match(ptraceOnly.stderr, /Permission denied/);
  } finally {
    process.kill(pid, 'SIGKILL');
  }
});
