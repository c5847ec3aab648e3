/**
 * jcmd, when thread dumps are on: a tiny JVM of doctor's own (the JDK's
 * single-file source launcher runs a 3-line class from a private temp dir),
 * dumped with takeThreadDump as a capture would, then killed by its pid.
 * Never a watched JVM.
 */
import { spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { resolveExecutable } from '../capture/backends.js';
import { takeThreadDump } from '../capture/thread-dump.js';
import type { Config } from '../config/config.js';
import { stopChild } from '../util/stop-child.js';
import { track, trackDir } from './own-child.js';
import { result, type CheckResult } from './types.js';

const SLEEPER =
  'public class DoctorSleep { public static void main(String[] a) throws Exception { System.out.println("ready"); Thread.sleep(120000); } }\n';
/** The source launcher compiles in memory: ~1-3 s idle, much more on a loaded 2-core box. */
const JVM_READY_MS = 60_000;
const CHECK = 'jcmd thread dump';
/** How long doctor's JVM gets to exit on SIGTERM (its exit removes its attach socket) before SIGKILL. */
const JVM_EXIT_MS = 5_000;

/** config: as resolved at start (tools.jcmd absolute, or '' when not found). */
export async function jcmdCheck(config: Config): Promise<CheckResult> {
  if (!config.threadDump.enabled)
    return result(CHECK, 'skip', 'skipped: threadDump.enabled is false (no thread dumps are taken)');
  const jcmd = config.tools.jcmd;
  const fix =
    'install a JDK (apt-get install default-jdk-headless) or set tools.jcmd to its absolute path; or set threadDump.enabled: false';
  if (!jcmd) return result(CHECK, 'fail', 'threadDump.enabled is true but jcmd (tools.jcmd) was not found', fix);
  const java = resolveExecutable(join(dirname(realpathSync(jcmd)), 'java'));
  if (!java)
    return result(CHECK, 'unknown', `no java beside ${jcmd} to start a JVM of doctor's own: jcmd not tried`, fix);
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-doctor-'));
  const forget = trackDir(dir);
  try {
    writeFileSync(join(dir, 'DoctorSleep.java'), SLEEPER, { mode: 0o600 });
    return await dumpOwnJvm(config, jcmd, java, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    forget();
  }
}

async function dumpOwnJvm(config: Config, jcmd: string, java: string, dir: string): Promise<CheckResult> {
  const args = ['-Xmx32m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', join(dir, 'DoctorSleep.java')];
  const proc = spawn(java, args, {
    stdio: ['ignore', 'pipe', 'ignore'],
    cwd: dir,
    env: { PATH: '/usr/bin:/bin', LC_ALL: 'C', HOME: dir },
  });
  const pid = proc.pid;
  const removeSocket = (): void => {
    if (pid !== undefined) removeOwnAttachSocket(pid);
  };
  track(proc, removeSocket);
  try {
    const ready = await waitForReady(proc.stdout!, JVM_READY_MS);
    if (!ready || proc.pid === undefined)
      return result(
        CHECK,
        'unknown',
        `doctor's own JVM (${java}) did not start within ${JVM_READY_MS} ms: jcmd not tried`,
        `run ${java} -version`,
      );
    const t = await takeThreadDump(proc.pid, {
      jcmdPath: jcmd,
      timeoutMs: config.threadDump.timeoutMs,
      maxOutputBytes: config.capture.maxOutputBytes,
      procRoot: config.procRoot,
    });
    if (t.ok && t.dump)
      return result(
        CHECK,
        'ok',
        `jcmd ${proc.pid} Thread.print (doctor's own JVM): ${t.dump.threads.length} Java threads in ${Math.round(t.durationMs)} ms`,
      );
    return result(
      CHECK,
      'fail',
      `against doctor's own JVM: ${t.reason ?? 'no threads'}`,
      "jcmd runs as the JVM's user (setpriv, util-linux) and needs the JVM's /tmp: check both, and threadDump.timeout",
    );
  } finally {
    await stopChild(proc, 'SIGTERM', JVM_EXIT_MS);
    removeSocket();
  }
}

/**
 * The attach socket jcmd made the JVM create (/tmp/.java_pidN, root's, as
 * doctor's JVM is): the JVM removes it when it exits, not when it is killed.
 * Left behind, it would outlive the pid: pids wrap, and a later JVM of
 * another user given that pid (a watched Jenkins) could not replace it in
 * sticky /tmp, so every jcmd and jstack against that JVM would fail ("not
 * secure"). Removed only if it is still a socket of ours (lstat: a link
 * planted there is never followed).
 */
function removeOwnAttachSocket(pid: number): void {
  const path = `/tmp/.java_pid${pid}`;
  try {
    const st = lstatSync(path);
    if (st.isSocket() && st.uid === process.geteuid?.()) unlinkSync(path);
  } catch {
    // not there (the JVM removed it at exit), or gone meanwhile
  }
}

function waitForReady(stdout: NodeJS.ReadableStream, maxMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: stdout });
    const timer = setTimeout(() => done(false), maxMs);
    let settled = false;
    const done = (ok: boolean): void => {
      if (settled) return; // rl.close() below emits 'close' at once
      settled = true;
      clearTimeout(timer);
      rl.close();
      resolve(ok);
    };
    rl.on('line', (line) => line === 'ready' && done(true));
    rl.once('close', () => done(false));
  });
}
