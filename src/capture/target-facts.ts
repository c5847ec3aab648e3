/**
 * Facts about the watched JVM gathered while it is still there (the bundle is
 * often written later, when the target may be gone): its JDK version, the libc
 * it mapped, and the kernel side of the thread that forked the hung child.
 *
 * JDK version: from files only, never by running anything. A watched process
 * is hostile (any local user can start one whose cmdline matches a target):
 * running its exe, or a program found through its maps, environ or cwd, as the
 * daemon would hand a local user root (needrestart's CVE-2024-48990 class).
 * The JDK home is derived from the exe link (HOME/bin/java, HOME/jre/bin/java)
 * and from the path of libjvm.so in /proc/PID/maps (HOME/lib/server/libjvm.so,
 * HOME/jre/lib/<arch>/server/libjvm.so); its `release` file is read through
 * /proc/PID/root (a JVM in a container is read in its own filesystem) with
 * O_NOFOLLOW|O_NONBLOCK, only when it is a regular file of at most 64 KiB
 * owned by root or by the target's own uid, and only four keys are kept. The
 * parent's native user-space stack is NOT captured: that would ptrace-stop the
 * whole JVM (forkwatch only ever attaches to suspects); the child's stack from
 * fork() outwards is that thread's native stack at the moment of the fork.
 */
import { BoundedReadError, readFileBounded, type BoundedFile } from '../util/read-file-bounded.js';
import { dirname, join } from 'node:path';
import { ProcFS } from '../proc/fs.js';
import { isFailure, orNull } from '../proc/read.js';
import type { ForkingThread } from '../capture/types.js';
import { parseOsRelease } from './host-facts.js';

export interface JdkFacts {
  /** Where the home came from: the exe link or the libjvm.so mapping; the facts are always the release file's. */
  source: 'release-file';
  home: string | null;
  version: string | null;
  runtimeVersion: string | null;
  implementor: string | null;
  /** The release file's LIBC (gnu, musl) or null. */
  libc: string | null;
}

export interface TargetFacts {
  at: number;
  pid: number;
  exe: string | null;
  jdk: JdkFacts | null;
  /** Why jdk is null. */
  jdkError?: string;
  /** The libc (or musl loader) mapped by the target, from /proc/PID/maps. */
  libcPath: string | null;
  /** The forking thread as the kernel shows it while it waits on the fail pipe. */
  forkingThreadKernel: {
    tid: number;
    wchan: string | null;
    syscall: string | null;
    kernelStack: string | null;
    kernelStackError?: string;
  } | null;
}

export interface TargetFactsOptions {
  procRoot: string;
  now?: () => number;
}

const MAX_RELEASE_BYTES = 64 * 1024;
const MAX_MAPS_BYTES = 4 * 1024 * 1024;
const MAX_VALUE = 128;

/** JDK home of a java executable path: HOME/bin/java, or HOME/jre/bin/java (JDK 8). */
export function jdkHomeOf(exe: string): string[] {
  const bin = dirname(exe);
  const home = dirname(bin);
  return home.endsWith('/jre') ? [dirname(home), home] : [home];
}

/** JDK homes from the libjvm.so mapped: HOME/lib/<vm>/libjvm.so (JDK 9+) or HOME/jre/lib/<arch>/<vm>/libjvm.so (JDK 8). */
export function jdkHomesFromMaps(maps: string): string[] {
  const homes: string[] = [];
  for (const line of maps.split('\n', 200_000)) {
    const slash = line.indexOf('/');
    if (slash <= 0 || !line.endsWith('/libjvm.so') || line.length > 4096) continue;
    const path = line.slice(slash);
    const m = /^(\/.{1,2048}?)(?:\/jre\/lib\/[A-Za-z0-9_]{1,32}|\/lib)\/[a-z]{1,16}\/libjvm\.so$/.exec(path);
    if (m && !homes.includes(m[1]!)) homes.push(m[1]!);
    if (homes.length >= 4) break;
  }
  return homes;
}

export function parseRelease(text: string): Omit<JdkFacts, 'source' | 'home'> {
  const kv = parseOsRelease(text);
  const v = (k: string): string | null => {
    const s = kv[k];
    return s === undefined ? null : s.replace(/[^\x20-\x7e]/g, '').slice(0, MAX_VALUE);
  };
  return {
    version: v('JAVA_VERSION'),
    runtimeVersion: v('JAVA_RUNTIME_VERSION'),
    implementor: v('IMPLEMENTOR'),
    libc: v('LIBC'),
  };
}

/** The libc (glibc libc.so.6, musl ld-musl-*.so.1) mapped by the process. */
export function parseLibcPath(maps: string): string | null {
  for (const line of maps.split('\n', 100_000)) {
    const path = line.slice(line.indexOf('/'));
    if (
      line.indexOf('/') > 0 &&
      path.length <= 4096 &&
      /\/(?:libc\.so\.6|libc-[0-9.]+\.so|ld-musl-[^/]+\.so\.1|libc\.musl-[^/]+\.so\.1)$/.test(path)
    )
      return path;
  }
  return null;
}

export async function collectTargetFacts(
  pid: number,
  forkingThread: ForkingThread | null,
  opts: TargetFactsOptions,
): Promise<TargetFacts> {
  const fs = new ProcFS(opts.procRoot);
  const exe = orNull(fs.link(pid, 'exe'));
  const maps = orNull(fs.maps(pid, MAX_MAPS_BYTES)) ?? '';
  const jdk = readJdkFacts(fs, pid, exe, maps);
  return {
    at: (opts.now ?? Date.now)(),
    pid,
    exe,
    jdk: jdk.facts,
    ...(jdk.error ? { jdkError: jdk.error } : {}),
    libcPath: parseLibcPath(maps),
    forkingThreadKernel: forkingThread ? readThreadKernel(fs, pid, forkingThread.tid) : null,
  };
}

/** Candidate homes from exe then maps; the first whose release file passes the checks gives the facts. Nothing is run. */
function readJdkFacts(
  fs: ProcFS,
  pid: number,
  exe: string | null,
  maps: string,
): { facts: JdkFacts | null; error?: string } {
  const fromExe = exe ? jdkHomeOf(exe.replace(/ \(deleted\)$/, '')) : [];
  const homes = [...new Set([...fromExe, ...jdkHomesFromMaps(maps)])].filter((h) => h.startsWith('/') && h !== '/');
  if (homes.length === 0)
    return {
      facts: null,
      error: exe
        ? `no JDK home: ${exe.slice(0, 200)} is not HOME/bin/java and no libjvm.so is mapped`
        : 'exe unreadable and no libjvm.so mapped',
    };
  const uid = readOwnerUid(fs, pid);
  const why: string[] = [];
  for (const home of homes) {
    const r = readReleaseFile(join(fs.path(pid, 'root'), home, 'release'), uid);
    if (typeof r === 'string') return { facts: { source: 'release-file', home, ...parseRelease(r) } };
    why.push(`${home}/release: ${r.error}`);
  }
  return {
    facts: null,
    error: `no usable JDK release file (${why.join('; ')}); nothing is run to learn the version`.slice(0, 600),
  };
}

/**
 * The release file's text, or why not: the path is the target's to choose, so
 * no FIFO or device (O_NONBLOCK, regular file), no symlink as the last
 * component, a size cap, and only a file of root's or the target's own.
 */
export function readReleaseFile(path: string, targetUid: number | null): string | { error: string } {
  let file: BoundedFile;
  try {
    file = readFileBounded(path, MAX_RELEASE_BYTES, { noFollow: true });
  } catch (err) {
    if (!(err instanceof BoundedReadError)) throw err;
    if (err.problem === 'not-a-file') return { error: 'not a regular file' };
    if (err.problem === 'too-large') return { error: `larger than ${MAX_RELEASE_BYTES} bytes` };
    return { error: err.code ?? 'unreadable' };
  }
  if (file.stat.uid !== 0 && file.stat.uid !== targetUid)
    return { error: `owned by uid ${file.stat.uid}, neither root nor the target's` };
  return file.bytes.toString('utf8');
}

/** The target's real uid (first field of Uid: in /proc/PID/status). */
function readOwnerUid(fs: ProcFS, pid: number): number | null {
  const status = fs.status(pid);
  return isFailure(status) ? null : status.realUid;
}

function readThreadKernel(fs: ProcFS, pid: number, tid: number): TargetFacts['forkingThreadKernel'] {
  const stack = orNull(fs.kernelStack(pid, tid));
  return {
    tid,
    wchan: orNull(fs.text(pid, `task/${tid}/wchan`, 256))?.trim() || null,
    syscall: orNull(fs.text(pid, `task/${tid}/syscall`, 512))?.trim() ?? null,
    kernelStack: stack,
    ...(stack === null ? { kernelStackError: '/proc/PID/task/TID/stack unreadable (needs root / CAP_SYS_ADMIN)' } : {}),
  };
}
