/**
 * A short-lived process of doctor's own to attach to: never a watched
 * process. Started with an argument array, killed by its pid afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ownProc } from '../proc/fs.js';
import { isFailure } from '../proc/read.js';
import { rmSync } from 'node:fs';
import { resolveExecutable } from '../capture/backends.js';
import { BOX_PATH } from '../util/run-boxed.js';

/** Every process doctor started and has not yet reaped: killed by pid on SIGINT/SIGTERM (killOwnChildren). */
const live = new Set<ChildProcess>();

/** Record a child of doctor's own until it exits. */
export function track(proc: ChildProcess): void {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
}

const dirs = new Set<string>();

/** A temp dir of doctor's own, removed by killOwnChildren if doctor is interrupted; the returned function forgets it. */
export function trackDir(dir: string): () => void {
  dirs.add(dir);
  return () => dirs.delete(dir);
}

/** SIGKILL each child still running, by its pid, and remove the temp dirs. */
export function killOwnChildren(): void {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const proc of live) {
    try {
      if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null)
        process.kill(proc.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

export interface OwnChild {
  pid: number;
  stop(): Promise<void>;
}

/** `sleep 30` from the system directories; null when there is no sleep. */
export async function startOwnSleeper(seconds = 30): Promise<OwnChild | null> {
  const sleep = resolveExecutable('sleep', { pathEnv: BOX_PATH });
  if (!sleep) return null;
  const proc = spawn(sleep, [String(seconds)], { stdio: 'ignore', env: { PATH: BOX_PATH, LC_ALL: 'C' }, cwd: '/' });
  if (proc.pid === undefined) return null;
  track(proc);
  // Sleeping (S) in the kernel, not still exec'ing: what a tracer sees in a hung child.
  await waitForState(proc.pid, 'S', 2000);
  return { pid: proc.pid, stop: () => stopChild(proc) };
}

export function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  try {
    if (proc.pid !== undefined) process.kill(proc.pid, 'SIGKILL');
  } catch {
    return Promise.resolve(); // already gone
  }
  return exited;
}

async function waitForState(pid: number, state: string, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    const stat = ownProc.stat(pid);
    if (isFailure(stat)) return; // not Linux, or gone: the attach says so
    if (stat.stateCode === state) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}
