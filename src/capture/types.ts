/** One stack frame, whatever format it came from. */
export interface Frame {
  /** Function name as printed (null when the tool printed none: `??`, bare address). */
  fn: string | null;
  /** Normalized name for matching (see normalizeFunctionName); null when fn is null. */
  normalized: string | null;
  /** Library/module (`libc.so.6`, `libpkcs11.so.1`) where printed. */
  module: string | null;
  /** Offset into fn (`+0x1c`) as a number, where printed. */
  offset: number | null;
  /** Instruction/frame address where printed, as the hex text. */
  address: string | null;
  /** Source location where printed (`file.c:42`). */
  source?: string | null;
  /**
   * The argument text as printed, without the outer parentheses, where the
   * tool prints it and the parser keeps it (gdb `futex=0x7f… <main_arena>,
   * private=0`; pstack's hex words): the matcher names a lock from it. Capped
   * by the parser; hostile input like the rest of the frame.
   */
  args?: string | null;
  /**
   * The source line the frame was executing, where the dump prints it below
   * the frame (Python tracebacks and gdb's py-bt: `    with self.__lock:`),
   * trimmed and capped by the parser at MAX_FRAME_CODE characters; hostile
   * input like the rest of the frame.
   */
  code?: string | null;
  /**
   * How many of the thread's samples went through this frame, where the
   * tool samples over time and counts them (macOS `sample`, spindump): a
   * frame every sample went through is where the thread stayed.
   */
  samples?: number;
}

/** Frame.code is kept to this many characters (the parsers cut it there; the matcher reads no further). */
export const MAX_FRAME_CODE = 256;

export interface Thread {
  /** Thread/LWP id where printed (gdb LWP, eu-stack TID, pstack lwp#). */
  tid: number | null;
  name: string | null;
  /** Innermost frame first. */
  frames: Frame[];
  /**
   * Which process of a paste holding several this thread belongs to (0, 1, …
   * in the order the paste shows them: gdb -batch per PID, `parent:` and
   * `child:` blocks); absent when the dump is of one process. The matcher
   * judges each process on its own.
   */
  process?: number;
  /**
   * The reporter labelled this thread's process a child (`child:`, `Child
   * process (pid 4242):`, `forked child stack`): the paste itself says what
   * `classify --forked-child` says, and the matcher judges the process so.
   */
  labelledChild?: true;
  /** How many times the thread was sampled, where the tool samples over time (macOS `sample`, spindump). */
  samples?: number;
  /**
   * The owners (LWPs) of locked mutexes gdb printed while this thread was
   * the current one (`p *mutex`, `bt full` locals: `__owner = 4242`), at
   * most MAX_LOCK_OWNERS; only where the paste lists every thread of its
   * process (gdb threads 1..n, each with its LWP), so that an owner missing
   * from the list is missing from the process.
   */
  lockOwners?: number[];
}

/**
 * 'gdb-info': gdb `info line *ADDR` / `info symbol ADDR` lists; 'hotspot':
 * HotSpot mixed-mode dumps (`jhsdb jstack --mixed`); 'macos-sample': macOS
 * `sample` call graphs; 'debuggerd': Android's native backtraces (tombstones,
 * `debuggerd -b`, ANR traces); 'dbx': dbx `where` (Solaris / illumos, AIX);
 * 'jstack': Java thread dumps (jstack, jcmd Thread.print, Jenkins's thread dump);
 * 'lenient': no reader
 * fitted and function names were pulled out of frame-like lines.
 */
export type StackFormat =
  | 'pstack'
  | 'mdb'
  | 'eu-stack'
  | 'gdb'
  | 'lldb'
  | 'gdb-info'
  | 'hotspot'
  | 'macos-sample'
  | 'debuggerd'
  | 'dbx'
  | 'jstack'
  | 'lenient';

export interface ParsedStack {
  format: StackFormat | 'unknown';
  /** Process id named in the dump header, where present. */
  pid: number | null;
  threads: Thread[];
  warnings: string[];
  /** The raw input (capped by the caller). */
  raw: string;
}

export type CaptureBackendName = 'eu-stack' | 'gdb' | 'pstack' | 'gstack';

/** The outcome of one stack capture: data, never an exception. */
export interface CaptureResult {
  backend: CaptureBackendName | null;
  pid: number;
  startTimeMs: number;
  ok: boolean;
  failed: boolean;
  timedOut: boolean;
  /** Why it failed, in words an operator can act on (missing CAP_SYS_PTRACE, ptrace_scope, ...). */
  reason: string | null;
  durationMs: number;
  stack: ParsedStack | null;
  /** Raw stdout, capped. */
  raw: string;
  /** For metrics (forkwatch_captures_total outcome label). */
  outcome?: CaptureOutcome;
  /** The exact command run (tool path and argument array). */
  command?: string[];
  /** What forkwatch verified (and repaired) about the target after the tracer was gone. */
  targetAfter?: TargetAfterCapture;
}

export type CaptureOutcome = 'ok' | 'failed' | 'timeout' | 'refused';

/** The "never harm the target" check after every capture. */
export interface TargetAfterCapture {
  /** Same pid and start time as before the capture. */
  sameProcess: boolean;
  /** State T/t when last checked. */
  stopped: boolean;
  /** TracerPid non-zero when last checked. */
  traced: boolean;
  /** Repairs done: "SIGCONT" (left stopped by a tracer killed mid-attach), "killed stray tracer PID". */
  repaired: string[];
  /** Anything odd seen while verifying (e.g. state before/after). */
  notes: string[];
}

/** Linux /proc evidence about a suspect, read before any ptrace: declared and read in src/proc. */
export type { KernelEvidence } from '../proc/kernel-evidence.js';

/** The JVM thread that forked the child (Linux: child's comm names it). */
export interface ForkingThread {
  tid: number;
  name: string;
  wchan: string | null;
  /** Java thread name from a thread dump, where one was taken. */
  javaName?: string | null;
  /** Jenkins job, from a "SCM polling for <job>" thread name. */
  jenkinsJob?: string | null;
  /** /proc/PPID/task/TID/syscall of that thread (read(fail pipe) while it waits on the child). */
  syscall?: string | null;
  /** How many parent tasks carried the child's comm (1: unambiguous). */
  candidates?: number;
  /** How the thread was told apart: comm alone, the fail pipe shared with the child, or the thread dump's nid. */
  identifiedBy?: 'comm' | 'pipe' | 'thread-dump';
  /** The Java stack of that thread from the thread dump (frames as printed, "at ..." lines). */
  javaStack?: string[];
  /** threadDump.enabled, and no Java stack: why (jcmd refused, timed out or failed; no thread matched). */
  javaStackReason?: string;
}
