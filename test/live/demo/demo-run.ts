/**
 * Runs the built `forkwatch demo` (dist/cli/index.js) as a process and reads what
 * it printed: the pids it started, its temp dir (its marker), the stages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/native-build.js';

export const DIST_CLI = join(REPO_ROOT, 'dist/cli/index.js');

export interface DemoRun {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** detached: in its own process group, so a signal can reach the group as a terminal's Ctrl-C does. */
export function startDemo(args: string[], env: NodeJS.ProcessEnv = process.env, detached = false): DemoRun {
  if (!existsSync(DIST_CLI)) throw new Error(`${DIST_CLI} is missing: npm run build first`);
  const proc = spawn(process.execPath, [DIST_CLI, 'demo', ...args], {
    cwd: REPO_ROOT,
    env: { ...env, FORKWATCH_CONFIG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    proc.once('close', (code, signal) => r({ code, signal })),
  );
  return { proc, stdout: () => out, stderr: () => err, exited };
}

export async function runDemo(args: string[], timeoutMs = 90_000, env?: NodeJS.ProcessEnv) {
  const run = startDemo(args, env);
  const timer = setTimeout(() => run.proc.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await run.exited;
  clearTimeout(timer);
  return { code, signal, stdout: run.stdout(), stderr: run.stderr() };
}

/** The pids the demo said it started (reproducer, daemon, hung and healthy children) and its temp dir. */
export function startedByDemo(stdout: string): { pids: number[]; dir: string | null; marker: string | null } {
  const pids = [
    ...[...stdout.matchAll(/^reproducer \([^)]*\): pid (\d+)/gm)].map((m) => Number(m[1])),
    ...[...stdout.matchAll(/^forkwatch daemon: pid (\d+)/gm)].map((m) => Number(m[1])),
    ...[...stdout.matchAll(/forked child (\d+)/g)].map((m) => Number(m[1])),
  ];
  // mkdtemp's six characters end the name: the reproducer's binary inside it is forkwatch-demo-reproducer.
  const dir =
    /^cleaned up: .*, removed (\S+)$/m.exec(stdout)?.[1] ??
    /(\/(?:[^\s/]+\/)*?forkwatch-demo-[A-Za-z0-9]{6})(?=[\s/]|$)/m.exec(stdout)?.[1] ??
    null;
  return { pids, dir, marker: dir ? dir.slice(dir.lastIndexOf('/') + 1) : null };
}

/** Processes whose command line carries the marker (every process the demo starts has it: temp dir or argv). */
export function processesWithMarker(marker: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`).toString('utf8').replace(/\0/g, ' ');
      if (cmdline.includes(marker)) found.push({ pid: Number(name), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * A pid that is gone, or now names another process (pid reused). A zombie has an empty cmdline: one
 * left with the reproducer's name (C: "forkwatch-demo-", Python: "python3…") counts as not gone.
 */
export function isGone(pid: number, marker: string): boolean {
  try {
    if (readFileSync(`/proc/${pid}/cmdline`).toString('utf8').includes(marker)) return false;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return !(state === 'Z' && (comm.startsWith('forkwatch-demo') || comm.startsWith('python')));
  } catch {
    return true;
  }
}

/** Zombies of the C reproducer (comm "forkwatch-demo-") anywhere: a child killed after its parent, left to pid 1. */
export function reproducerZombies(): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/stat`, 'utf8').includes('(forkwatch-demo-) Z ')) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
