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
import { sleep } from '../util/sleep.js';
import { stopChild } from '../util/stop-child.js';

/** Every process doctor started and has not yet reaped, with what to clean up after it: killed by pid on SIGINT/SIGTERM (killOwnChildren). */
const live = new Map<ChildProcess, (() => void) | undefined>();

/** Record a child of doctor's own until it exits; `cleanup` runs after killOwnChildren kills it. */
export function track(proc: ChildProcess, cleanup?: () => void): void {
  live.set(proc, cleanup);
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
  for (const [proc, cleanup] of live) {
    try {
      if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null)
        process.kill(proc.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    cleanup?.();
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

async function waitForState(pid: number, state: string, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    const stat = ownProc.stat(pid);
    if (isFailure(stat)) return; // not Linux, or gone: the attach says so
    if (stat.stateCode === state) return;
    await sleep(10);
  }
}
