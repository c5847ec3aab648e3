/**
 * The demo's reproducer: built from demo/reproducer.c (or run from
 * demo/reproducer.py), started with a marker in its argv, driven by its line
 * protocol (see the sources): "ready", then "fork" → "forked PID",
 * "reaped PID …", "forked-again PID …". Every pid it reports is kept, so the
 * demo can end them all.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Toolchain } from './toolchain.js';

/** demo/ at the package root (from src/demo or dist/demo alike). */
export const DEMO_SOURCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../demo');

const BUILD_TIMEOUT_MS = 60_000;
const READY_TIMEOUT_MS = 10_000;
const MAX_OUTPUT = 64 * 1024;
const REAP_WAIT_MS = 2000;

export interface ReproducerLine {
  kind: 'forked' | 'reaped' | 'forked-again';
  pid: number;
  /** e.g. "signal 9", "exit 0" */
  how: string;
}

export interface Reproducer {
  pid: number;
  /** The exact argv (joined by spaces): the target's cmdline. */
  cmdline: string;
  /** Every child pid it reported. */
  childPids: number[];
  /** Its children not yet reported reaped or exited (the ones stop() kills). */
  alivePids(): number[];
  fork(): void;
  onLine(listener: (l: ReproducerLine) => void): void;
  /** SIGKILL its children and itself; resolves when it has exited. */
  stop(): Promise<void>;
}

/** Compile reproducer.c into dir; returns the binary path. */
export async function buildC(compiler: string, dir: string): Promise<string> {
  const src = join(DEMO_SOURCE_DIR, 'reproducer.c');
  if (!existsSync(src)) throw new Error(`demo source missing: ${src}`);
  const out = join(dir, 'forkwatch-demo-reproducer');
  await new Promise<void>((res, rej) => {
    execFile(
      compiler,
      ['-g', '-O1', '-pthread', '-o', out, src],
      { timeout: BUILD_TIMEOUT_MS, maxBuffer: MAX_OUTPUT },
      (err, _o, stderr) =>
        err
          ? rej(
              new Error(`${compiler} could not build the reproducer: ${String(stderr).slice(0, 2000) || err.message}`),
            )
          : res(),
    );
  });
  return out;
}

/** The argv that starts the reproducer (marker last: argv text only). */
export async function reproducerArgv(tool: Toolchain, dir: string, marker: string): Promise<string[]> {
  if (tool.kind === 'c') return [await buildC(tool.program, dir), marker];
  const script = join(DEMO_SOURCE_DIR, 'reproducer.py');
  if (!existsSync(script)) throw new Error(`demo source missing: ${script}`);
  return [tool.program, script, marker];
}

export function parseReproducerLine(line: string): ReproducerLine | 'ready' | null {
  if (line === 'ready') return 'ready';
  const m = /^(forked-again|forked|reaped) (\d{1,10})(?: (.{0,40}))?$/.exec(line);
  return m ? { kind: m[1] as ReproducerLine['kind'], pid: Number(m[2]), how: m[3] ?? '' } : null;
}

export async function startReproducer(argv: string[]): Promise<Reproducer> {
  const proc: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const childPids: number[] = [];
  const alive = new Set<number>();
  const listeners: ((l: ReproducerLine) => void)[] = [];
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const ready = new Promise<void>((res, rej) => {
    const timer = setTimeout(
      () => rej(new Error(`the reproducer did not say "ready" within ${READY_TIMEOUT_MS / 1000} s`)),
      READY_TIMEOUT_MS,
    );
    proc.once('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    void exited.then(() => {
      clearTimeout(timer);
      rej(new Error(`the reproducer exited early (${proc.exitCode ?? proc.signalCode})`));
    });
    createInterface({ input: proc.stdout! }).on('line', (text) => {
      const l = parseReproducerLine(text);
      if (l === 'ready') {
        clearTimeout(timer);
        res();
        return;
      }
      if (!l) return;
      if (l.kind !== 'reaped') childPids.push(l.pid);
      if (l.kind === 'forked') alive.add(l.pid);
      else alive.delete(l.pid);
      for (const f of listeners) f(l);
    });
  });
  // End of its stdin first: it kills its hung child and reaps every child itself. Killed after their
  // parent they would be left as zombies for pid 1, which in a container may never reap them. Only if it
  // does not exit in time: SIGKILL its live children, then it.
  const stop = async () => {
    const gone = () => proc.exitCode !== null || proc.signalCode !== null;
    proc.stdin!.end();
    const deadline = Date.now() + REAP_WAIT_MS;
    while (!gone() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!gone()) {
      for (const pid of alive) killQuietly(pid);
      killQuietly(proc.pid!);
    }
    await exited;
  };
  try {
    await ready;
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    pid: proc.pid!,
    cmdline: readCmdline(proc.pid!) ?? argv.join(' '),
    childPids,
    alivePids: () => [...alive],
    fork: () => proc.stdin!.write('fork\n'),
    onLine: (f) => listeners.push(f),
    stop,
  };
}

export function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** What /proc shows as its command line (an interpreter shim, e.g. pyenv's, execs the real one under the same pid). */
function readCmdline(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`)
      .subarray(0, 64 * 1024)
      .toString('utf8')
      .replace(/\0+$/, '')
      .replace(/\0/g, ' ');
  } catch {
    return null; // no procfs: the argv it was started with
  }
}
