/**
 * Stopping a child process of forkwatch's own (doctor's probes, the demo's
 * daemon) by its pid: `signal`, then SIGKILL if it has not exited within
 * `graceMs` (SIGKILL alone by default). A JVM or a daemon given SIGTERM runs
 * its exit: the JVM removes its attach socket, the daemon closes its store.
 * Resolves once the child has exited; a child already gone is no error.
 */
import type { ChildProcess } from 'node:child_process';

export async function stopChild(proc: ChildProcess, signal: NodeJS.Signals = 'SIGKILL', graceMs = 0): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  if (!signalChild(proc, signal)) return; // already gone
  if (signal === 'SIGKILL') return exited;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)));
  const timedOut = await Promise.race([exited.then(() => false), late]);
  clearTimeout(timer);
  if (timedOut && signalChild(proc, 'SIGKILL')) await exited;
}

function signalChild(proc: ChildProcess, signal: NodeJS.Signals): boolean {
  try {
    if (proc.pid !== undefined) process.kill(proc.pid, signal);
    return true;
  } catch {
    return false;
  }
}
