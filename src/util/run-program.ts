/**
 * The one way forkwatch runs an external program: an argument array (never a
 * shell), a timeout (then SIGKILL), an output cap. The result is plain data;
 * a failure to start, a timeout or a non-zero exit never throws. With `box`,
 * the program is one run against a watched process and goes through the
 * tracer box (run-boxed.ts): fixed environment, own session, limits, a
 * deadline that holds against escaped descendants.
 */
import { execa } from 'execa';
import { runBoxed } from './run-boxed.js';
import type { RunOptions, RunResult } from './run-types.js';

export type { RunOptions, RunResult } from './run-types.js';

export async function runProgram(command: string, args: string[], opts: RunOptions): Promise<RunResult> {
  if (opts.box) return runBoxed(command, args, { ...opts, box: opts.box });
  const started = performance.now();
  const group = opts.processGroup === true;
  let aborted = false;
  let groupTimedOut = false;
  const subprocess = execa(command, args, {
    shell: false,
    reject: false,
    // With a process group the timeout is ours (below): execa's would kill the leader only.
    ...(group ? { detached: true } : { timeout: opts.timeoutMs }),
    killSignal: 'SIGKILL',
    forceKillAfterDelay: 1000,
    maxBuffer: opts.maxOutputBytes,
    stripFinalNewline: false,
    encoding: 'utf8',
    stdin: opts.input === undefined ? 'ignore' : 'pipe',
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    extendEnv: opts.extendEnv ?? true,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    cleanup: true,
    windowsHide: true,
  });
  const killNow = (): void => killProgram(subprocess.pid, group, () => subprocess.kill('SIGKILL'));
  const onAbort = (): void => {
    aborted = true;
    killNow();
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = group
    ? setTimeout(() => {
        groupTimedOut = true;
        killNow();
      }, opts.timeoutMs)
    : null;
  const result = await subprocess;
  if (timer) clearTimeout(timer);
  opts.signal?.removeEventListener('abort', onAbort);
  const code = (result as { code?: string }).code;
  const truncated = result.isMaxBuffer === true;
  return {
    command,
    args,
    failed: result.failed || aborted || groupTimedOut,
    timedOut: result.timedOut || groupTimedOut,
    truncated,
    notFound: code === 'ENOENT' || code === 'EACCES',
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    cause: result.failed ? (result.shortMessage ?? result.message ?? null) : aborted ? 'aborted' : null,
    ...(opts.signal ? { aborted } : {}),
  };
}

/** SIGKILL the program, or its whole process group (negative pid) when it leads one. */
function killProgram(pid: number | undefined, group: boolean, killLeader: () => void): void {
  if (group && pid !== undefined) {
    try {
      process.kill(-pid, 'SIGKILL');
      return;
    } catch {
      /* the group is gone already; fall through to the leader */
    }
  }
  killLeader();
}
