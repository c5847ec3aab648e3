/**
 * The suite's GNU OpenMP thread pool lost across fork (test/helpers/native/
 * omp-forker.c, GCC PR 52303): started, its child's pid read from its
 * output, and waited on until the child sleeps at the pool's dock barrier.
 * Used by the live OpenMP test and by the fixture capture script.
 */
import { spawn } from 'node:child_process';
import { buildNative } from './native-build.js';
import { procHealth } from './proc-health.js';

export interface OmpForker {
  parent: number;
  child: number;
  /** SIGKILL the child (the parent's waitpid returns) and the parent. */
  stop(): void;
}

export async function startOmpForker(threads = 4): Promise<OmpForker> {
  const bin = buildNative('omp-forker', { flags: ['-fopenmp'] });
  const proc = spawn(bin, [], {
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const kill = (pid: number | undefined): void => {
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  let child = 0;
  const stop = (): void => {
    kill(child);
    kill(proc.pid);
  };
  try {
    child = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`omp-forker printed no child pid: ${out}`)), 15_000);
      proc.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /child (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      proc.on('error', reject);
    });
    for (let i = 0; i < 100 && procHealth(child).state !== 'S'; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
  } catch (err) {
    stop();
    throw err;
  }
  return { parent: proc.pid!, child, stop };
}
