/**
 * Killing a boxed program whole (run-boxed.ts), including descendants that
 * left its process group: a process that called setsid() is out of reach of
 * kill(-pgid), and when it keeps our stdout pipe open the run would never end.
 * Two nets: the descendants the kernel lists under the program
 * (/proc/PID/task/TID/children, walked before anything is killed, so nothing
 * is re-parented away yet), and every process whose environment carries the
 * run's nonce (the box puts it first in the environment: it catches an
 * escapee whose parent already died and which was re-parented to init).
 * Every read is bounded; nothing read here is trusted beyond a pid number.
 */
import { ProcFS } from '../proc/fs.js';
import { isFailure } from '../proc/read.js';

const MAX_DESCENDANTS = 4096;
/** The nonce sits first in a boxed environment; a program that appends variables keeps it near the start. */
const ENVIRON_PREFIX_BYTES = 32 * 1024;

/** Every live descendant of pid (breadth first), from /proc/PID/task/TID/children. */
export function listDescendants(pid: number, procRoot = '/proc'): number[] {
  const fs = new ProcFS(procRoot);
  const seen = new Set<number>([pid]);
  const queue = [pid];
  const out: number[] = [];
  while (queue.length > 0 && out.length < MAX_DESCENDANTS) {
    const p = queue.shift()!;
    for (const child of childrenOf(fs, p)) {
      if (seen.has(child)) continue;
      seen.add(child);
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

function childrenOf(fs: ProcFS, pid: number): number[] {
  const kids = fs.children(pid);
  return Array.isArray(kids) ? kids : [];
}

/** Pids (other than ours) whose environment holds `NAME=nonce`. */
export function findByEnvNonce(assignment: string, procRoot = '/proc'): number[] {
  const needle = Buffer.from(`${assignment}\0`);
  const fs = new ProcFS(procRoot);
  const pids = fs.pids();
  if (isFailure(pids)) return [];
  return pids.filter((pid) => pid !== process.pid && fs.environIncludes(pid, needle, ENVIRON_PREFIX_BYTES));
}

/** SIGKILL quietly (the process may be gone already); with group, its process group too. */
export function killQuietly(pid: number, group = false): void {
  for (const target of group ? [-pid, pid] : [pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* gone, or never a group leader */
    }
  }
}
