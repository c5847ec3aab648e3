/**
 * The illumos side of the facts: `pldd PID` (mapped objects) and `pargs -a -e
 * PID` (arguments; environment, only AUDITED_ENV kept) through the bounded runner
 * (argument array, timeout, output cap), parsed by ./parse-illumos.ts.
 * Neither runs anything of the target's.
 */
import { runProgram } from '../util/run-program.js';
import type { RunProgramFn } from '../capture/capture-stack.js';
import { parsePargs, parsePldd } from './parse-illumos.js';
import type { ProcessFacts } from './types.js';

const RUN = {
  timeoutMs: 10_000,
  maxOutputBytes: 1024 * 1024,
  extendEnv: false,
  env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
};

/** `run` is the bounded runner (a stand-in in tests: there is no illumos host in CI). */
export async function readIllumosFacts(pid: number, run: RunProgramFn = runProgram): Promise<ProcessFacts | null> {
  const pldd = await run('/usr/bin/pldd', [String(pid)], RUN);
  if (pldd.failed && pldd.stdout.trim() === '') return null;
  const pargs = await run('/usr/bin/pargs', ['-a', '-e', String(pid)], RUN);
  const unreadable = pargs.failed ? ['pargs -a -e failed: arguments, LD_PRELOAD and *_JAVA_OPTIONS not known'] : [];
  const parsed = pargs.failed ? null : parsePargs(pargs.stdout);
  return {
    pid,
    platform: 'illumos',
    executable: null,
    libraries: parsePldd(pldd.stdout).map((path) => ({ path, atforkImport: null })),
    args: parsed?.args ?? [],
    properties: {},
    environment: parsed?.env ?? null,
    threads: null,
    libc: null,
    os: null,
    jdk: null,
    unreadable: [...unreadable, 'illumos: thread count and ELF imports are not read (pldd and pargs only)'],
  };
}
