/**
 * Start the suite's deadlocked C program (test/helpers/native/deadlocker.c)
 * and learn which child is which. Cleans up every process it started, by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { buildNative } from './native-build.js';

export type Role = 'hung' | 'spinning' | 'exec' | 'busy' | 'sleeper' | 'accepter' | 'zombie';

export interface DeadlockerOptions {
  hung?: number;
  /** Children whose atfork child handler spins for a flag another thread set: stuck in fork(), in no lock wait. */
  spinning?: number;
  exec?: boolean;
  busy?: boolean;
  sleeper?: boolean;
  accepter?: boolean;
  zombie?: boolean;
  threads?: number;
  /** Use a binary built without -g (and stripped): production hosts rarely have symbols. */
  stripped?: boolean;
  /** Put after "--": argv text only, ignored by the program (a cmdline that looks like a Jenkins agent's). */
  extraArgs?: string[];
}

export interface Deadlocker {
  /** The multi-threaded parent: the "JVM" in these tests. */
  pid: number;
  binary: string;
  children: { role: Role; pid: number }[];
  pidsOf(role: Role): number[];
  /** SIGKILL every child and the parent (reaping the zombie with it). Idempotent. */
  stop(): Promise<void>;
}

export function deadlockerBinary(stripped = false): string {
  return stripped ? buildNative('deadlocker', { flags: ['-s'], variant: 'stripped' }) : buildNative('deadlocker');
}

export async function startDeadlocker(opts: DeadlockerOptions = {}): Promise<Deadlocker> {
  const binary = deadlockerBinary(opts.stripped);
  const args: string[] = ['--hung', String(opts.hung ?? 2), '--threads', String(opts.threads ?? 4)];
  if (opts.spinning) args.push('--spinning', String(opts.spinning));
  for (const flag of ['exec', 'busy', 'sleeper', 'accepter', 'zombie'] as const) if (opts[flag]) args.push(`--${flag}`);
  if (opts.extraArgs) args.push('--', ...opts.extraArgs);
  const proc: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const children: { role: Role; pid: number }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('deadlocker did not print "ready" within 10 s')), 10_000);
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`deadlocker exited early with ${code}`)));
    const rl = createInterface({ input: proc.stdout! });
    rl.on('line', (line) => {
      if (line === 'ready') {
        clearTimeout(timer);
        resolve();
        return;
      }
      const [role, pid] = line.split(' ');
      children.push({ role: role as Role, pid: Number(pid) });
    });
  });
  proc.removeAllListeners('exit');
  let stopped = false;
  return {
    pid: proc.pid!,
    binary,
    children,
    pidsOf: (role) => children.filter((c) => c.role === role).map((c) => c.pid),
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const c of children) killQuietly(c.pid);
      const exited = new Promise<void>((r) =>
        proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r()),
      );
      killQuietly(proc.pid!);
      await exited;
    },
  };
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
