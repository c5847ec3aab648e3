/**
 * The parent-side thread that forked a hung child. On Linux a forked child
 * starts with the forking thread's comm (a JVM thread name, truncated to 15
 * bytes), so the parent's task with that comm is the candidate; it sits in
 * read() on the fail pipe of ProcessImpl.forkAndExec, whose write end the
 * child holds. When several tasks share the comm (every Jenkins poller's comm
 * is "SCM polling for"), that pipe tells them apart.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readProcText } from '../classify/kernel-evidence.js';
import { parseProcSyscall } from '../classify/kernel-evidence-parse.js';
import type { ForkingThread } from './types.js';

export interface TaskInfo {
  tid: number;
  comm: string;
  wchan: string | null;
  /** /proc/PID/task/TID/syscall as text. */
  syscall: string | null;
}

/** read(2) by Node's process.arch. */
const READ_SYSCALL_NR: Readonly<Record<string, number>> = { x64: 0, arm64: 63 };
const MAX_TASKS = 20_000;
const MAX_FDS = 65_536;

export interface ForkingThreadOptions {
  procRoot: string;
  parentPid: number;
  childPid: number;
  /** The child's comm as scanned; read from /proc when absent. */
  childComm?: string;
  arch?: string;
}

export function findForkingThread(opts: ForkingThreadOptions): ForkingThread | null {
  const comm = opts.childComm ?? readProcText(join(opts.procRoot, String(opts.childPid), 'comm'))?.replace(/\n$/, '');
  if (!comm) return null;
  const candidates = readTasks(opts.procRoot, opts.parentPid).filter((t) => t.comm === comm);
  if (candidates.length === 0) return null;
  const arch = opts.arch ?? process.arch;
  let chosen: TaskInfo = preferBlockedInRead(candidates, arch);
  let identifiedBy: ForkingThread['identifiedBy'] = 'comm';
  if (candidates.length > 1) {
    const byPipe = pickBySharedPipe(candidates, opts, arch);
    if (byPipe) {
      chosen = byPipe;
      identifiedBy = 'pipe';
    }
  }
  return { tid: chosen.tid, name: chosen.comm, wchan: chosen.wchan, syscall: chosen.syscall, candidates: candidates.length, identifiedBy };
}

export function readTasks(procRoot: string, pid: number): TaskInfo[] {
  let tids: string[];
  try {
    tids = readdirSync(join(procRoot, String(pid), 'task')).slice(0, MAX_TASKS);
  } catch {
    return [];
  }
  const out: TaskInfo[] = [];
  for (const name of tids) {
    if (!/^[0-9]+$/.test(name)) continue;
    const dir = join(procRoot, String(pid), 'task', name);
    const comm = readProcText(join(dir, 'comm'), 256);
    if (comm === null) continue; // the thread ended meanwhile
    const wchan = readProcText(join(dir, 'wchan'), 256)?.trim();
    out.push({
      tid: Number(name),
      comm: comm.replace(/\n$/, ''),
      wchan: wchan && wchan !== '0' ? wchan : null,
      syscall: readProcText(join(dir, 'syscall'), 512)?.trim() ?? null,
    });
  }
  return out;
}

/** Pure: among same-comm tasks, the one blocked in read() is the forker (first such, else the first). */
export function preferBlockedInRead(tasks: readonly TaskInfo[], arch: string): TaskInfo {
  return tasks.find((t) => isInRead(t, arch)) ?? tasks[0]!;
}

function isInRead(t: TaskInfo, arch: string): boolean {
  const sys = t.syscall ? parseProcSyscall(t.syscall) : null;
  return sys !== null && sys.nr === READ_SYSCALL_NR[arch];
}

/** The candidate whose read() fd is a pipe the child also holds open. */
function pickBySharedPipe(candidates: readonly TaskInfo[], opts: ForkingThreadOptions, arch: string): TaskInfo | null {
  const childPipes = readPipeInodes(opts.procRoot, opts.childPid);
  if (childPipes.size === 0) return null;
  const matches = candidates.filter((t) => {
    const sys = isInRead(t, arch) && t.syscall ? parseProcSyscall(t.syscall) : null;
    const fd = sys?.args[0];
    if (fd === undefined) return false;
    const link = readLink(join(opts.procRoot, String(opts.parentPid), 'fd', String(fd)));
    return link !== null && childPipes.has(link);
  });
  return matches.length === 1 ? matches[0]! : null;
}

function readPipeInodes(procRoot: string, pid: number): Set<string> {
  const out = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(join(procRoot, String(pid), 'fd')).slice(0, MAX_FDS);
  } catch {
    return out;
  }
  for (const fd of fds) {
    const link = readLink(join(procRoot, String(pid), 'fd', fd));
    if (link?.startsWith('pipe:') && isWritable(readProcText(join(procRoot, String(pid), 'fdinfo', fd), 4096))) out.add(link);
  }
  return out;
}

/**
 * Both ends of a pipe link to the same "pipe:[inode]"; a child forked later
 * inherits the parent's read end of an earlier fail pipe, but only the child
 * forked for it holds the write end. fdinfo "flags:" is octal; O_ACCMODE = 3.
 */
export function isWritable(fdinfo: string | null): boolean {
  const m = fdinfo ? /^flags:\s*([0-7]{1,12})$/m.exec(fdinfo) : null;
  if (!m) return false;
  const mode = Number.parseInt(m[1]!, 8) & 3;
  return mode === 1 || mode === 2;
}

function readLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}
