/** What runProgram (run-program.ts) takes and gives, shared with the tracer box (run-boxed.ts). */
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

export interface BoxLimits {
  cpuSeconds: number;
  /** RLIMIT_AS in bytes; null: unlimited (a JVM such as jcmd reserves far more than it uses). */
  addressSpaceBytes: number | null;
  openFiles: number;
  /** RLIMIT_FSIZE in bytes (gcore: just above core.maxBytes); absent: unlimited. */
  fileSizeBytes?: number;
}

export interface BoxOptions {
  /** util-linux prlimit, absolute (resolved at start); null: run without limits (warned at start). */
  prlimit: string | null;
  limits: BoxLimits;
  /** Run as this user through setpriv (absolute, resolved at start). */
  runAs?: { setpriv: string; uid: number; gid: number };
  /** Fixed additions to the environment (never anything of forkwatch's). */
  env?: Readonly<Record<string, string>>;
}
