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
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readPrefix } from './read-file-bounded.js';

const MAX_DESCENDANTS = 4096;
const MAX_CHILDREN_BYTES = 64 * 1024;
/** The nonce sits first in a boxed environment; a program that appends variables keeps it near the start. */
const ENVIRON_PREFIX_BYTES = 32 * 1024;

/** Every live descendant of pid (breadth first), from /proc/PID/task/TID/children. */
export function listDescendants(pid: number, procRoot = '/proc'): number[] {
  const seen = new Set<number>([pid]);
  const queue = [pid];
  const out: number[] = [];
  while (queue.length > 0 && out.length < MAX_DESCENDANTS) {
    const p = queue.shift()!;
    for (const child of childrenOf(p, procRoot)) {
      if (seen.has(child)) continue;
      seen.add(child);
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

function childrenOf(pid: number, procRoot: string): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(join(procRoot, String(pid), 'task'));
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tasks) {
    const text = readPrefix(join(procRoot, String(pid), 'task', tid, 'children'), MAX_CHILDREN_BYTES)?.toString('utf8') ?? '';
    for (const word of text.split(' ')) if (/^[0-9]{1,10}$/.test(word)) out.push(Number(word));
  }
  return out;
}

/** Pids (other than ours) whose environment holds `NAME=nonce`. */
export function findByEnvNonce(assignment: string, procRoot = '/proc'): number[] {
  const needle = Buffer.from(`${assignment}\0`);
  const out: number[] = [];
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^[0-9]{1,10}$/.test(name) || Number(name) === process.pid) continue;
    const env = readPrefix(join(procRoot, name, 'environ'), ENVIRON_PREFIX_BYTES);
    if (env && env.includes(needle)) out.push(Number(name));
  }
  return out;
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
