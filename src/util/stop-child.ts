/**
 * Stopping a child process of forkwatch's own (doctor's probes, the demo's
 * daemon) by its pid: `signal`, then SIGKILL if it has not exited within
 * `graceMs` (SIGKILL alone by default). A JVM or a daemon given SIGTERM runs
 * its exit: the JVM removes its attach socket, the daemon closes its store.
 * Resolves once the child has exited; a child already gone is no error.
 */
import type { ChildProcess } from 'node:child_process';
import { sleep } from './sleep.js';

export async function stopChild(proc: ChildProcess, signal: NodeJS.Signals = 'SIGKILL', graceMs = 0): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  if (!signalChild(proc, signal)) return; // already gone
  if (signal === 'SIGKILL') return exited;
  const gone = new AbortController();
  void exited.then(() => gone.abort());
  // sleep: true once the grace period is over, false when the exit cut it short
  if ((await sleep(graceMs, gone.signal)) && signalChild(proc, 'SIGKILL')) await exited;
}

function signalChild(proc: ChildProcess, signal: NodeJS.Signals): boolean {
  try {
    if (proc.pid !== undefined) process.kill(proc.pid, signal);
    return true;
  } catch {
    return false;
  }
}
