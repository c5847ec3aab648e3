/**
 * Facts about the watched JVM gathered while it is still there (the bundle is
 * often written later, when the target may be gone): its JDK version, the libc
 * it mapped, and the kernel side of the thread that forked the hung child.
 *
 * JDK version: the `release` file of the JDK home (exe is HOME/bin/java, or
 * HOME/jre/bin/java on JDK 8), read through /proc/PID/root so a JVM in a
 * container is read in its own filesystem; only when there is none,
 * `<exe> -version` with a timeout and an output cap. The parent's native
 * user-space stack is NOT captured: that would ptrace-stop the whole JVM
 * (forkwatch only ever attaches to suspects); the child's stack from fork()
 * outwards is that thread's native stack at the moment of the fork.
 */
import { readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readProcText } from '../classify/kernel-evidence.js';
import type { ForkingThread } from '../capture/types.js';
import { runProgram, type RunResult } from '../util/run-program.js';
import { parseOsRelease } from './host-facts.js';

export interface JdkFacts {
  /** Where the facts came from. */
  source: 'release-file' | 'java -version';
  home: string | null;
  version: string | null;
  runtimeVersion: string | null;
  implementor: string | null;
  /** The release file's LIBC (gnu, musl) or null. */
  libc: string | null;
  /** First lines of `java -version` when that was the source. */
  versionText?: string;
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
  forkingThreadKernel: { tid: number; wchan: string | null; syscall: string | null; kernelStack: string | null; kernelStackError?: string } | null;
}

export type RunFn = (cmd: string, args: string[], opts: { timeoutMs: number; maxOutputBytes: number }) => Promise<RunResult>;

export interface TargetFactsOptions {
  procRoot: string;
  now?: () => number;
  run?: RunFn;
  javaVersionTimeoutMs?: number;
}

/** JDK home of a java executable path: HOME/bin/java, or HOME/jre/bin/java (JDK 8). */
export function jdkHomeOf(exe: string): string[] {
  const bin = dirname(exe);
  const home = dirname(bin);
  return home.endsWith('/jre') ? [dirname(home), home] : [home];
}

export function parseRelease(text: string): Omit<JdkFacts, 'source' | 'home'> {
  const kv = parseOsRelease(text);
  return { version: kv.JAVA_VERSION ?? null, runtimeVersion: kv.JAVA_RUNTIME_VERSION ?? null, implementor: kv.IMPLEMENTOR ?? null, libc: kv.LIBC ?? null };
}

/** `java -version` prints to stderr: openjdk version "17.0.15" 2025-04-15 / OpenJDK Runtime Environment (build 17.0.15+6-...). */
export function parseJavaVersion(text: string): Omit<JdkFacts, 'source' | 'home'> {
  const version = /\bversion "([^"]{1,64})"/.exec(text)?.[1] ?? null;
  const runtimeVersion = /\(build ([^)]{1,128})\)/.exec(text)?.[1] ?? null;
  const implementor = /^(\S{1,32}) version/m.exec(text)?.[1] ?? null;
  return { version, runtimeVersion, implementor, libc: null, versionText: text.split('\n').slice(0, 3).join('\n').slice(0, 600) };
}

/** The libc (glibc libc.so.6, musl ld-musl-*.so.1) mapped by the process. */
export function parseLibcPath(maps: string): string | null {
  for (const line of maps.split('\n', 100_000)) {
    const path = line.slice(line.indexOf('/'));
    if (line.indexOf('/') > 0 && /\/(?:libc\.so\.6|libc-[0-9.]+\.so|ld-musl-[^/]+\.so\.1|libc\.musl-[^/]+\.so\.1)$/.test(path)) return path;
  }
  return null;
}

export async function collectTargetFacts(pid: number, forkingThread: ForkingThread | null, opts: TargetFactsOptions): Promise<TargetFacts> {
  const dir = join(opts.procRoot, String(pid));
  const exe = readLink(join(dir, 'exe'));
  const jdk = exe ? await readJdkFacts(pid, exe, opts) : { facts: null, error: 'exe unreadable' };
  return {
    at: (opts.now ?? Date.now)(),
    pid,
    exe,
    jdk: jdk.facts,
    ...(jdk.error ? { jdkError: jdk.error } : {}),
    libcPath: parseLibcPath(readProcText(join(dir, 'maps'), 4 * 1024 * 1024) ?? ''),
    forkingThreadKernel: forkingThread ? readThreadKernel(dir, forkingThread.tid) : null,
  };
}

async function readJdkFacts(pid: number, exe: string, opts: TargetFactsOptions): Promise<{ facts: JdkFacts | null; error?: string }> {
  const path = exe.replace(/ \(deleted\)$/, '');
  for (const home of jdkHomeOf(path)) {
    const text = readProcText(join(opts.procRoot, String(pid), 'root', home, 'release'), 64 * 1024);
    if (text) return { facts: { source: 'release-file', home, ...parseRelease(text) } };
  }
  const r = await (opts.run ?? runProgram)(join(opts.procRoot, String(pid), 'exe'), ['-version'], { timeoutMs: opts.javaVersionTimeoutMs ?? 10_000, maxOutputBytes: 64 * 1024 });
  const text = `${r.stderr}\n${r.stdout}`;
  const parsed = parseJavaVersion(text);
  if (r.failed || !parsed.version) return { facts: null, error: `no release file beside ${path}; ${path} -version: ${r.timedOut ? 'timed out' : (r.cause ?? 'no version in output')}`.slice(0, 400) };
  return { facts: { source: 'java -version', home: jdkHomeOf(path)[0] ?? null, ...parsed } };
}

function readThreadKernel(dir: string, tid: number): TargetFacts['forkingThreadKernel'] {
  const t = join(dir, 'task', String(tid));
  const stack = readProcText(join(t, 'stack'), 64 * 1024);
  return {
    tid,
    wchan: readProcText(join(t, 'wchan'), 256)?.trim() || null,
    syscall: readProcText(join(t, 'syscall'), 512)?.trim() ?? null,
    kernelStack: stack,
    ...(stack === null ? { kernelStackError: '/proc/PID/task/TID/stack unreadable (needs root / CAP_SYS_ADMIN)' } : {}),
  };
}

function readLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}
