/**
 * jcmd runs boxed as the JVM's own user (setpriv --reuid/--regid of the
 * target's effective ids): against a real JVM started as nobody, the thread
 * dump works (the JDK's attach accepts its own user), and the jcmd process
 * was nobody's, not root's (caught while it ran).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { takeThreadDump } from '../../../src/capture/thread-dump.js';
import { resolveTracerTools } from '../../../src/capture/tools.js';
import { resolveConfig } from '../../../src/config/load.js';
import { removeAttachSocket } from '../../helpers/jvm.js';
import { requireTool } from '../../helpers/native-build.js';
import { waitFor } from '../../helpers/wait.js';

/** [pid, uid] of every running jcmd attaching to pid (argv[0] is jcmd; prlimit and setpriv before it are the box's, root until setpriv switches). */
function jcmdProcesses(target: number): [number, number][] {
  const out: [number, number][] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (!cmdline[0]!.endsWith('/jcmd') || !cmdline.includes(String(target))) continue;
      const uid = Number(/^Uid:\s+[0-9]+\s+([0-9]+)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'))![1]);
      out.push([Number(name), uid]);
    } catch {
      /* gone */
    }
  }
  return out;
}

test(
  'jcmd Thread.print of a JVM run by nobody: runs as nobody, and the dump works',
  { timeout: 120_000 },
  async (t) => {
    requireTool('java', ['-version']);
    requireTool('setpriv', ['--version']);
    const jcmd = resolveTracerTools(resolveConfig({}, 'test').tools).tracers.jcmd;
    assert.ok(jcmd, 'jcmd is installed (default-jdk-headless)');
    const dir = mkdtempSync(join(tmpdir(), 'forkwatch-jcmd-user-'));
    chmodSync(dir, 0o755);
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'Sleeper.java'),
      'class Sleeper { public static void main(String[] a) throws Exception { Thread.sleep(600_000); } }\n',
    );
    const jvm = spawn(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'java', '-Xmx64m', '-Xshare:auto', 'Sleeper.java'],
      {
        cwd: dir,
        env: { PATH: '/usr/bin:/bin', HOME: dir },
        stdio: 'ignore',
      },
    );
    const pid = jvm.pid!;
    t.after(() => {
      jvm.kill('SIGKILL');
      removeAttachSocket(pid);
    });
    // Up once its hsperfdata file exists; main reaches Thread.sleep once the source launcher compiled Sleeper.
    await waitFor('the JVM up', async () => existsSync(`/tmp/hsperfdata_nobody/${pid}`), 60_000);
    // An attach socket left by an earlier JVM with this pid (killed, another user's) would make every
    // attach fail ("well-known file … is not secure"): this JVM could never replace it in sticky /tmp.
    const stale = statSync(`/tmp/.java_pid${pid}`, { throwIfNoEntry: false });
    if (stale && stale.uid !== 65534) removeAttachSocket(pid);

    const uids = new Set<number>();
    const watch = setInterval(() => jcmdProcesses(pid).forEach(([, uid]) => uids.add(uid)), 5);
    t.after(() => clearInterval(watch));
    let last = '';
    const main = await waitFor(
      'a thread dump with main in Thread.sleep',
      async () => {
        const r = await takeThreadDump(pid, {
          jcmdPath: jcmd,
          timeoutMs: 30_000,
          maxOutputBytes: 8 << 20,
          procRoot: '/proc',
        });
        last = r.reason ?? '';
        const m = r.dump?.threads.find((th) => th.name === 'main');
        return m?.frames.some((f) => f.startsWith('java.lang.Thread.sleep')) ? m : null;
      },
      90_000,
      500,
    ).catch((err: Error) => assert.fail(`${err.message}; last reason: ${last}`));
    clearInterval(watch);
    assert.ok(main.frames.length > 0);
    assert.deepEqual([...uids], [65534], 'jcmd was seen running, and only as nobody');
  },
);
