/**
 * The parent-side thread that forked a hung child. On Linux a forked child
 * starts with the forking thread's comm (a JVM thread name, truncated to 15
 * bytes), so the parent's task with that comm is the candidate; it sits in
 * read() on the fail pipe of ProcessImpl.forkAndExec, whose write end the
 * child holds. When several tasks share the comm (every Jenkins poller's comm
 * is "SCM polling for"), that pipe tells them apart.
 */
import { ProcFS } from '../proc/fs.js';
import { isFailure, orNull } from '../proc/read.js';
import { parseSyscall } from '../proc/parse/syscall.js';
import { parseFdFlags } from '../proc/parse/fdinfo.js';
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
  const comm = opts.childComm ?? orNull(new ProcFS(opts.procRoot).text(opts.childPid, 'comm', 256))?.replace(/\n$/, '');
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
  return {
    tid: chosen.tid,
    name: chosen.comm,
    wchan: chosen.wchan,
    syscall: chosen.syscall,
    candidates: candidates.length,
    identifiedBy,
  };
}

export function readTasks(procRoot: string, pid: number): TaskInfo[] {
  const fs = new ProcFS(procRoot);
  const tids = fs.taskIds(pid);
  if (isFailure(tids)) return [];
  const out: TaskInfo[] = [];
  for (const tid of tids.slice(0, MAX_TASKS)) {
    const comm = fs.text(pid, `task/${tid}/comm`, 256);
    if (isFailure(comm)) continue; // the thread ended meanwhile
    const wchan = fs.wchan(pid, tid);
    const syscall = fs.text(pid, `task/${tid}/syscall`, 512);
    out.push({
      tid,
      comm: comm.replace(/\n$/, ''),
      wchan: isFailure(wchan) ? null : wchan,
      syscall: isFailure(syscall) ? null : syscall.trim(),
    });
  }
  return out;
}

/** Pure: among same-comm tasks, the one blocked in read() is the forker (first such, else the first). */
export function preferBlockedInRead(tasks: readonly TaskInfo[], arch: string): TaskInfo {
  return tasks.find((t) => isInRead(t, arch)) ?? tasks[0]!;
}

function isInRead(t: TaskInfo, arch: string): boolean {
  const sys = t.syscall ? parseSyscall(t.syscall) : null;
  return sys !== null && sys.nr === READ_SYSCALL_NR[arch];
}

/** The candidate whose read() fd is a pipe the child also holds open. */
function pickBySharedPipe(candidates: readonly TaskInfo[], opts: ForkingThreadOptions, arch: string): TaskInfo | null {
  const childPipes = readPipeInodes(opts.procRoot, opts.childPid);
  if (childPipes.size === 0) return null;
  const matches = candidates.filter((t) => {
    const sys = isInRead(t, arch) && t.syscall ? parseSyscall(t.syscall) : null;
    const fd = sys?.args[0];
    if (fd === undefined) return false;
    const link = orNull(new ProcFS(opts.procRoot).link(opts.parentPid, `fd/${fd}`));
    return link !== null && childPipes.has(link);
  });
  return matches.length === 1 ? matches[0]! : null;
}

function readPipeInodes(procRoot: string, pid: number): Set<string> {
  const out = new Set<string>();
  const fs = new ProcFS(procRoot);
  const fds = fs.list(pid, 'fd');
  if (isFailure(fds)) return out;
  for (const fd of fds.slice(0, MAX_FDS)) {
    const link = orNull(fs.link(pid, `fd/${fd}`));
    if (link?.startsWith('pipe:') && isWritable(orNull(fs.text(pid, `fdinfo/${fd}`, 4096)))) out.add(link);
  }
  return out;
}

/**
 * Both ends of a pipe link to the same "pipe:[inode]"; a child forked later
 * inherits the parent's read end of an earlier fail pipe, but only the child
 * forked for it holds the write end. fdinfo "flags:" is octal; O_ACCMODE = 3.
 */
export function isWritable(fdinfo: string | null): boolean {
  const flags = fdinfo === null ? null : parseFdFlags(fdinfo);
  if (flags === null) return false;
  const mode = flags & 3;
  return mode === 1 || mode === 2;
}
