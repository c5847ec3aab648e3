/**
 * The one way forkwatch runs an external program: an argument array (never a
 * shell), a timeout (then SIGKILL), an output cap. The result is plain data;
 * a failure to start, a timeout or a non-zero exit never throws. With `box`,
 * the program is one run against a watched process and goes through the
 * tracer box (run-boxed.ts): fixed environment, own session, limits, a
 * deadline that holds against escaped descendants.
 */
import { execa } from 'execa';
import { runBoxed, type BoxOptions } from './run-boxed.js';

export interface RunOptions {
  timeoutMs: number;
  maxOutputBytes: number;
  env?: NodeJS.ProcessEnv;
  /** Replace the environment instead of extending process.env. */
  extendEnv?: boolean;
  cwd?: string;
  input?: string;
  /**
   * Run the program as the leader of its own process group and, at the
   * timeout or the abort, SIGKILL the whole group: a wrapper script (gcore,
   * gstack are shell scripts around gdb) killed alone leaves its gdb running,
   * re-parented away from us and still attached to the target.
   */
  processGroup?: boolean;
  /** Kill the program now (SIGKILL, the group with processGroup); the result has aborted: true. */
  signal?: AbortSignal;
  /** Run it in the tracer box (run-boxed.ts); env, extendEnv, cwd, input and processGroup are then ignored. */
  box?: BoxOptions;
}

export interface RunResult {
  command: string;
  args: string[];
  /** True when it did not exit 0 (or could not start, timed out, was cut). */
  failed: boolean;
  timedOut: boolean;
  /** Output passed maxOutputBytes; stdout holds what came before the cut. */
  truncated: boolean;
  /** ENOENT and friends: the program could not be started at all. */
  notFound: boolean;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** The underlying error message, where there was one. */
  cause: string | null;
  /** Killed because opts.signal aborted (absent when the option was not given). */
  aborted?: boolean;
}

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
