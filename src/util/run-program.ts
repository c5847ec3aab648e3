/**
 * The one way forkwatch runs an external program: an argument array (never a
 * shell), a timeout (then SIGKILL), an output cap. The result is plain data;
 * a failure to start, a timeout or a non-zero exit never throws.
 */
import { execa } from 'execa';

export interface RunOptions {
  timeoutMs: number;
  maxOutputBytes: number;
  env?: NodeJS.ProcessEnv;
  /** Replace the environment instead of extending process.env. */
  extendEnv?: boolean;
  cwd?: string;
  input?: string;
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
}

export async function runProgram(command: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const result = await execa(command, args, {
    shell: false,
    reject: false,
    timeout: opts.timeoutMs,
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
  const code = (result as { code?: string }).code;
  const truncated = result.isMaxBuffer === true;
  return {
    command,
    args,
    failed: result.failed,
    timedOut: result.timedOut,
    truncated,
    notFound: code === 'ENOENT' || code === 'EACCES',
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    cause: result.failed ? (result.shortMessage ?? result.message ?? null) : null,
  };
}
