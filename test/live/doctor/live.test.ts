/**
 * `forkwatch doctor` (the built CLI) against the suite's reproducer
 * (test/helpers/deadlocker.ts, run by root): as root; as nobody without
 * capabilities; as nobody with the unit's two (setpriv ambient caps). Each
 * check's verdict asserted. Needs root, setpriv, eu-stack, gdb: anything
 * missing fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startDeadlocker } from '../../helpers/deadlocker.js';
import { requireTool } from '../../helpers/native-build.js';
import { assertStatus, cliRootFor, row, runDoctor, worldTempDir, writeConfig, type DoctorRun } from './support.js';

const NOBODY = 65534;

/** Whether an unprivileged process (no CAP_SYS_PTRACE) may attach to a child of its own parent under this kernel's Yama. */
function unprivilegedSiblingAttachAllowed(): boolean {
  const path = '/proc/sys/kernel/yama/ptrace_scope';
  if (!existsSync(path)) return true;
  return readFileSync(path, 'utf8').trim() === '0';
}

function assertAttach(run: DoctorRun, name: string, ok: boolean): void {
  const r = row(run, `attach ${name}`);
  if (ok) assert.equal(r.status, 'ok', `attach ${name}: ${r.detail}`);
  else assert.equal(r.status, 'fail', `attach ${name}: ${r.detail}`);
  if (ok) assert.match(r.detail, /doctor's own sleep\): [1-9][0-9]* thread\(s\), [1-9][0-9]* frame\(s\) parsed/);
}

test(
  'doctor against the deadlocker: as root, as nobody, as nobody with CAP_SYS_PTRACE + CAP_DAC_READ_SEARCH',
  { timeout: 300_000 },
  async (t) => {
    assert.equal(process.getuid?.(), 0, 'this test switches users with setpriv and must run as root (CI does)');
    requireTool('eu-stack', ['--version']);
    requireTool('gdb', ['--version']);
    const cli = cliRootFor();
    const dir = worldTempDir(t);
    const id = randomBytes(6).toString('hex');
    const d = await startDeadlocker({ hung: 1, extraArgs: ['jenkins.war', `--doctor-id=${id}`] });
    t.after(() => d.stop());
    const targets = [
      { name: 'jenkins', cmdline: `--doctor-id=${id}` },
      { name: 'absent', cmdline: `--no-such-${id}` },
    ];

    // root: everything but the absent target is ok.
    const rootState = join(dir, 'root-state');
    const asRoot = await runDoctor(cli, 'root', [
      '--config',
      writeConfig(dir, { targets, stateDir: rootState, threadDump: { enabled: false } }),
    ]);
    assertStatus(asRoot, 'privileges', 'ok', /^root, CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH effective/);
    assertStatus(asRoot, 'capture backends', 'ok', /eu-stack \(\/.*gdb \(\//);
    assertAttach(asRoot, 'eu-stack', true);
    assertAttach(asRoot, 'gdb', true);
    assertStatus(asRoot, 'target jenkins', 'ok', new RegExp(`^pid ${d.pid}, user root$`));
    assertStatus(asRoot, 'syscall jenkins', 'ok', new RegExp(`^pid ${d.pid}: /proc/${d.pid}/syscall readable`));
    assertStatus(asRoot, 'target absent', 'warn');
    assertStatus(asRoot, 'jcmd thread dump', 'skip', /threadDump\.enabled is false/);
    assertStatus(asRoot, 'stateDir', 'ok', /does not exist yet; the daemon creates it/);
    assertStatus(asRoot, 'stateDir local disk', 'ok');
    assertStatus(asRoot, 'slack webhook', 'warn', /not configured/);
    assert.equal(existsSync(rootState), false, 'doctor creates nothing');
    assert.equal(asRoot.status, 1, 'exit 1: warnings only (the absent target, no Slack)');
    assert.ok(existsSync(`/proc/${d.pid}`), 'the target lives on');

    // nobody without capabilities: the JVM of root is out of reach; its own child per Yama.
    const nobodyState = join(dir, 'nobody-state');
    mkdirSync(nobodyState, { mode: 0o700 });
    chownSync(nobodyState, NOBODY, NOBODY);
    const config = writeConfig(dir, {
      targets: targets.slice(0, 1),
      stateDir: nobodyState,
      threadDump: { enabled: false },
    });
    const plain = await runDoctor(cli, 'nobody', ['--config', config]);
    const priv = assertStatus(
      plain,
      'privileges',
      'fail',
      /^uid 65534: CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE not in the effective set/,
    );
    assert.match(priv.fix!, /AmbientCapabilities=/);
    const sibling = unprivilegedSiblingAttachAllowed();
    assertAttach(plain, 'eu-stack', sibling);
    assertAttach(plain, 'gdb', sibling);
    assertStatus(plain, 'target jenkins', 'ok', new RegExp(`^pid ${d.pid}, user root$`));
    assertStatus(
      plain,
      'syscall jenkins',
      'fail',
      new RegExp(`/proc/${d.pid}/syscall unreadable \\(the process of root\\)`),
    );
    assertStatus(plain, 'stateDir', 'ok', /exists and is writable/);
    assertStatus(plain, 'stateDir private', 'ok');
    assert.equal(plain.status, 2);

    // nobody with the two capabilities: as good as root for forkwatch.
    const capped = await runDoctor(cli, 'nobody+caps', ['--config', config]);
    assertStatus(capped, 'privileges', 'ok', /^uid 65534, CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH effective/);
    assertAttach(capped, 'eu-stack', true);
    assertAttach(capped, 'gdb', true);
    assertStatus(capped, 'target jenkins', 'ok', new RegExp(`^pid ${d.pid}, user root$`));
    assertStatus(capped, 'syscall jenkins', 'ok');
    assertStatus(capped, 'yama ptrace_scope', 'ok');
    assert.equal(capped.status, 1, `exit 1 (no Slack configured): ${capped.stdout}`);
    t.diagnostic(`root ${asRoot.status}, nobody ${plain.status}, nobody+caps ${capped.status}`);
  },
);

test(
  'doctor: a stateDir group can read is warned; one of another user fails; doctor changes neither',
  { timeout: 120_000 },
  async (t) => {
    const cli = cliRootFor();
    const dir = worldTempDir(t);
    const open = join(dir, 'open-state');
    mkdirSync(open, { mode: 0o750 });
    const config = writeConfig(dir, { targets: [{ name: 'x', pid: 1 }], stateDir: open, capture: { enabled: false } });
    const asRoot = await runDoctor(cli, 'root', ['--config', config]);
    const r = assertStatus(asRoot, 'stateDir private', 'warn', /group or others can reach 1 path/);
    assert.match(r.fix!, /chmod -R go-rwx/);
    assert.equal(statSync(open).mode & 0o777, 0o750, 'doctor did not chmod');
    assertStatus(asRoot, 'capture backends', 'skip', /capture\.enabled is false/);
    // nobody: a root-owned stateDir it cannot write.
    const asNobody = await runDoctor(cli, 'nobody', ['--config', config]);
    assertStatus(asNobody, 'stateDir', 'fail', /is not writable by uid 65534/);
  },
);

test(
  'doctor: jcmd against a JVM of its own when threadDump.enabled, as root and as nobody',
  { timeout: 240_000 },
  async (t) => {
    requireTool('jcmd', ['-h']);
    requireTool('java', ['-version']);
    const cli = cliRootFor();
    const dir = worldTempDir(t);
    const config = writeConfig(dir, {
      targets: [{ name: 'x', pid: 1 }],
      stateDir: join(dir, 'state'),
      capture: { enabled: false },
      threadDump: { enabled: true, timeout: '20s' },
    });
    for (const as of ['root', 'nobody'] as const) {
      const run = await runDoctor(cli, as, ['--config', config]);
      const row = assertStatus(
        run,
        'jcmd thread dump',
        'ok',
        /^jcmd [0-9]+ Thread\.print \(doctor's own JVM\): [1-9][0-9]* Java threads/,
      );
      // its JVM's attach socket goes with it: left in /tmp it would outlive the pid, and block jcmd against a later JVM given it
      const pid = /^jcmd ([0-9]+) /.exec(row.detail)![1];
      assert.equal(existsSync(`/tmp/.java_pid${pid}`), false, `doctor left /tmp/.java_pid${pid} (as ${as})`);
    }
    const noJcmd = writeConfig(dir, {
      targets: [{ name: 'x', pid: 1 }],
      stateDir: join(dir, 'state'),
      capture: { enabled: false },
      threadDump: { enabled: true },
      tools: { jcmd: '/nonexistent/jcmd' },
    });
    const missing = await runDoctor(cli, 'root', ['--config', noJcmd]);
    assertStatus(missing, 'jcmd thread dump', 'fail', /jcmd \(tools\.jcmd\) was not found/);
  },
);

/** Direct children of pid (from /proc/PID/task/PID/children). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

test(
  'doctor interrupted (SIGINT) while its own JVM runs: exit 130, the JVM killed, its temp dir removed',
  { timeout: 120_000 },
  async (t) => {
    requireTool('java', ['-version']);
    const { spawn } = await import('node:child_process');
    const dir = worldTempDir(t);
    const config = writeConfig(dir, {
      targets: [{ name: 'x', pid: 1 }],
      stateDir: join(dir, 'state'),
      capture: { enabled: false },
      threadDump: { enabled: true },
    });
    const doctor = spawn(process.execPath, [join(cliRootFor(), 'dist/cli/index.js'), 'doctor', '--config', config], {
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => doctor.once('exit', (code) => r(code)));
    let jvm: number | undefined;
    let jvmDir: string | undefined;
    for (let i = 0; i < 600 && jvm === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
      jvm = childrenOf(doctor.pid!).find((c) => /DoctorSleep\.java/.test(readFileSync(`/proc/${c}/cmdline`, 'utf8')));
      if (jvm) jvmDir = /\0(\/[^\0]*)\/DoctorSleep\.java/.exec(readFileSync(`/proc/${jvm}/cmdline`, 'utf8'))?.[1];
    }
    assert.ok(jvm && jvmDir, 'doctor started its own JVM');
    assert.ok(existsSync(jvmDir));
    doctor.kill('SIGINT');
    assert.equal(await exited, 130);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(
      !existsSync(`/proc/${jvm}`) || /^[0-9]+ \(.*\) Z/.test(readFileSync(`/proc/${jvm}/stat`, 'utf8')),
      `JVM ${jvm} still running`,
    );
    assert.equal(existsSync(jvmDir), false, 'its temp dir removed');
  },
);
