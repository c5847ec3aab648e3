/**
 * The illumos side of the facts: `pldd PID` (mapped objects) and `pargs -e
 * PID` (environment, only AUDITED_ENV kept) through the bounded runner
 * (argument array, timeout, output cap), parsed by ./parse-illumos.ts.
 * Neither runs anything of the target's.
 */
import { runProgram } from '../util/run-program.js';
import { parsePargsEnv, parsePldd } from './parse-illumos.js';
import type { ProcessFacts } from './types.js';

const RUN = { timeoutMs: 10_000, maxOutputBytes: 1024 * 1024, extendEnv: false, env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } };

export async function readIllumosFacts(pid: number): Promise<ProcessFacts | null> {
  const pldd = await runProgram('/usr/bin/pldd', [String(pid)], RUN);
  if (pldd.failed && pldd.stdout.trim() === '') return null;
  const pargs = await runProgram('/usr/bin/pargs', ['-e', String(pid)], RUN);
  const unreadable = pargs.failed ? ['pargs -e failed: LD_PRELOAD and *_JAVA_OPTIONS not known'] : [];
  return {
    pid,
    platform: 'illumos',
    executable: null,
    libraries: parsePldd(pldd.stdout).map((path) => ({ path, atforkImport: null })),
    args: [],
    properties: {},
    environment: pargs.failed ? null : parsePargsEnv(pargs.stdout),
    threads: null,
    libc: null,
    os: null,
    jdk: null,
    unreadable: [...unreadable, 'illumos: arguments, thread count and ELF imports are not read (pldd and pargs -e only)'],
  };
}
