/**
 * Start the suite's stand-in Jenkins (test/helpers/java/ForkDeadlock.java)
 * with -Djdk.lang.Process.launchMechanism=FORK and the atfork-deadlock
 * LD_PRELOAD library, learn its hung children, and clean up by pid.
 * javac output is cached in .tmp/java/<hash of the source>/.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildNative, REPO_ROOT, requireTool } from './native-build.js';

const JAVA_SRC = join(REPO_ROOT, 'test/helpers/java/ForkDeadlock.java');
const JAVA_OUT = join(REPO_ROOT, '.tmp/java');

export interface JvmLine {
  kind: 'ready' | 'forking' | 'started' | 'exited' | 'failed';
  fields: string[];
}

export interface ForkDeadlockJvm {
  pid: number;
  threadNames: string[];
  preload: string;
  lines: JvmLine[];
  /** Direct children whose exe and cmdline equal the JVM's: forked, never exec'd. */
  neverExecedChildren(): number[];
  /** Wait until `count` never-exec'd children exist and sit in a futex wait. */
  waitForHungChildren(count: number, timeoutMs?: number): Promise<number[]>;
  waitForLine(pred: (l: JvmLine) => boolean, timeoutMs?: number): Promise<JvmLine>;
  /** SIGKILL the children, then the JVM. Idempotent. */
  stop(): Promise<void>;
}

export function compileForkDeadlock(): string {
  requireTool('javac', ['-version']);
  const hash = createHash('sha256').update(readFileSync(JAVA_SRC)).digest('hex').slice(0, 12);
  const dir = join(JAVA_OUT, hash);
  if (existsSync(join(dir, 'ForkDeadlock.class'))) return dir;
  const tmp = `${dir}.${process.pid}.tmp`;
  mkdirSync(tmp, { recursive: true });
  execFileSync('javac', ['-d', tmp, JAVA_SRC], { stdio: 'pipe', timeout: 180_000 });
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another test compiled it meanwhile
  }
  return dir;
}

export async function startForkDeadlockJvm(
  opts: { threadNames?: string[]; armed?: boolean } = {},
): Promise<ForkDeadlockJvm> {
  requireTool('java', ['-version']);
  const classDir = compileForkDeadlock();
  const preload = buildNative('atfork-preload', { shared: true });
  const threadNames = opts.threadNames ?? ['SCM polling for demo-job'];
  const args = [
    '-Djdk.lang.Process.launchMechanism=FORK',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Xmx64m',
    '-cp',
    classDir,
    'ForkDeadlock',
    ...threadNames,
  ];
  const env = { ...process.env, LD_PRELOAD: preload, FORKWATCH_ATFORK_DEADLOCK: opts.armed === false ? '0' : '1' };
  const proc: ChildProcess = spawn('java', args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  const lines: JvmLine[] = [];
  createInterface({ input: proc.stdout! }).on('line', (text) => {
    const [kind, ...fields] = text.split('\t');
    lines.push({ kind: kind as JvmLine['kind'], fields });
  });
  const waitForLine = async (pred: (l: JvmLine) => boolean, timeoutMs = 30_000): Promise<JvmLine> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = lines.find(pred);
      if (hit) return hit;
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(`JVM exited (${proc.exitCode ?? proc.signalCode})`);
      if (Date.now() > deadline)
        throw new Error(`JVM line not seen within ${timeoutMs} ms; got: ${JSON.stringify(lines)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await waitForLine((l) => l.kind === 'ready', 60_000);
  const pid = proc.pid!;
  let stopped = false;
  return {
    pid,
    threadNames,
    preload,
    lines,
    neverExecedChildren: () => findNeverExecedChildren(pid),
    async waitForHungChildren(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hung = findNeverExecedChildren(pid).filter((c) => [202, 98].includes(readSyscallNr(c) ?? -1));
        if (hung.length >= count) return hung;
        if (Date.now() > deadline)
          throw new Error(`only ${hung.length} of ${count} hung children after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    waitForLine,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const c of childrenOf(pid)) killQuietly(c);
      const exited = new Promise<void>((r) =>
        proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r()),
      );
      killQuietly(pid);
      await exited;
      removeAttachSocket(pid);
    },
  };
}

/**
 * A JVM killed with SIGKILL leaves its attach socket (/tmp/.java_pidN, made
 * when jcmd first attached). pids wrap (32768 here): a later JVM with the same
 * pid, run by another user, cannot replace that file in sticky /tmp, and
 * every jcmd against it fails with "well-known file … is not secure". Tests
 * that kill their JVMs remove it.
 */
export function removeAttachSocket(pid: number): void {
  rmSync(`/tmp/.java_pid${pid}`, { force: true });
}

/** Children of pid, from /proc/PID/task/TID/children (every thread forks its own). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const tid of safe(() => readdirSync(`/proc/${pid}/task`)) ?? []) {
    const text = safe(() => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim());
    if (text) out.push(...text.split(/\s+/).map(Number));
  }
  return out;
}

function findNeverExecedChildren(pid: number): number[] {
  const exe = safe(() => readlinkSync(`/proc/${pid}/exe`));
  const cmdline = safe(() => readFileSync(`/proc/${pid}/cmdline`));
  if (!exe || !cmdline) return [];
  return childrenOf(pid).filter((c) => {
    const cexe = safe(() => readlinkSync(`/proc/${c}/exe`));
    const ccmd = safe(() => readFileSync(`/proc/${c}/cmdline`));
    return cexe === exe && ccmd !== null && ccmd.equals(cmdline);
  });
}

function readSyscallNr(pid: number): number | null {
  const text = safe(() => readFileSync(`/proc/${pid}/syscall`, 'utf8'));
  return text ? Number(text.split(' ')[0]) : null;
}

function safe<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
