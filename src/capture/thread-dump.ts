/**
 * Java thread dump of the watched JVM (`jcmd PID Thread.print`), optional
 * (config threadDump.enabled), with a timeout and an output cap, and a pure
 * parser for it. Sample (JDK 17):
 *
 *   "SCM polling for demo-job" #14 prio=5 os_prio=0 cpu=2.41ms elapsed=3.02s tid=0x00007f3c2c1d9800 nid=0x2b1e runnable  [0x00007f3bf5ffe000]
 *      java.lang.Thread.State: RUNNABLE
 *   	at java.lang.ProcessImpl.forkAndExec(java.base@17.0.13/Native Method)
 *   	at java.lang.ProcessImpl.<init>(java.base@17.0.13/ProcessImpl.java:314)
 *
 * nid is the Linux tid (hex before JDK 19, decimal after). The lines are read
 * by the jstack reader's line reader (src/capture/parse/jstack.ts), the one
 * place that knows the format.
 *
 * jcmd runs in the tracer box (runTracerOnTarget) as the JVM's own effective
 * uid/gid (setpriv --reuid --regid --clear-groups): the JDK's attach
 * requires the same user on both ends of its socket, and a root jcmd would
 * read the files a watched user controls (/tmp/.java_pidN, hsperfdata) with
 * root's rights. Its address space is not limited: jcmd is itself a JVM and
 * reserves far more than it uses.
 */
import { isAbsolute } from 'node:path';
import { ProcFS } from '../proc/fs.js';
import { isFailure } from '../proc/read.js';
import { runTracerOnTarget, type RunProgramFn } from './capture-stack.js';
import { readJavaDumpLine } from './parse/jstack.js';

export interface JavaThread {
  name: string;
  /** Native thread id (Linux tid). */
  nid: number | null;
  /** java.lang.Thread.State (RUNNABLE, WAITING, ...). */
  state: string | null;
  /** "at ..." lines, innermost first, without the "at ". */
  frames: string[];
}

export interface ThreadDump {
  threads: JavaThread[];
  warnings: string[];
}

const MAX_THREADS = 50_000;
const MAX_FRAMES = 1024;
const MAX_LINE = 4096;

/** The daemon's view of a Thread.print dump, read line by line by the jstack reader's own line reader. */
export function parseThreadDump(text: string): ThreadDump {
  const threads: JavaThread[] = [];
  const warnings: string[] = [];
  let cur: JavaThread | null = null;
  for (const rawLine of text.split('\n')) {
    const line = (rawLine.length > MAX_LINE ? rawLine.slice(0, MAX_LINE) : rawLine).trim();
    const read = readJavaDumpLine(line);
    if (read.kind === 'header') {
      if (threads.length >= MAX_THREADS) {
        warnings.push(`more than ${MAX_THREADS} threads: the rest ignored`);
        break;
      }
      cur = { name: read.name ?? `Thread ${read.tid ?? '?'}`, nid: read.tid, state: read.state ?? null, frames: [] };
      threads.push(cur);
    } else if (!cur) continue;
    else if (read.kind === 'state') cur.state = read.state;
    else if (read.kind === 'frame' && cur.frames.length < MAX_FRAMES) cur.frames.push(`${read.method}(${read.where})`);
    else if (read.kind === 'blank') cur = null; // a blank line ends a thread's block
  }
  if (threads.length === 0 && text.trim() !== '') warnings.push('no thread headers found (not a Thread.print dump?)');
  return { threads, warnings };
}

/** A thread whose stack is in forkAndExec (JDK 9+ ProcessImpl; older UNIXProcess). */
export function isForkingJavaThread(t: JavaThread): boolean {
  return t.frames.some((f) => /\.(?:ProcessImpl|UNIXProcess)\.forkAndExec\(/.test(f));
}

/**
 * The Java thread that forked the child: the one with the native tid when we
 * know it; else the forkAndExec thread whose name starts like the comm.
 */
export function findForkingJavaThread(
  threads: readonly JavaThread[],
  hint: { tid?: number | null; comm?: string | null },
): JavaThread | null {
  if (hint.tid != null) {
    const byTid = threads.find((t) => t.nid === hint.tid);
    if (byTid) return byTid;
  }
  const forking = threads.filter(isForkingJavaThread);
  if (hint.comm) {
    const byName = forking.filter((t) => t.name.startsWith(hint.comm!));
    if (byName.length === 1) return byName[0]!;
  }
  return forking.length === 1 ? forking[0]! : null;
}

/**
 * Jenkins' SCMTrigger names its thread "SCM polling for " + job, where job
 * prints as the job's name (or, via AbstractItem.toString, as
 * "hudson.model.FreeStyleProject@1a2b3c[folder/job]").
 */
export function jenkinsJobFromThreadName(name: string): string | null {
  const m = /^SCM polling for (.{1,1024})$/.exec(name);
  if (!m) return null;
  const job = m[1]!.trim();
  const bracketed = /^[\w.$]+@[0-9a-f]+\[(.+)\]$/.exec(job);
  return bracketed ? bracketed[1]! : job || null;
}

export interface ThreadDumpResult {
  ok: boolean;
  dump: ThreadDump | null;
  reason: string | null;
  durationMs: number;
  raw: string;
}

export interface ThreadDumpOptions {
  /** Absolute, resolved at start ('' when jcmd was not found). */
  jcmdPath: string;
  timeoutMs: number;
  maxOutputBytes: number;
  procRoot?: string;
  run?: RunProgramFn;
  linux?: boolean;
}

export async function takeThreadDump(pid: number, opts: ThreadDumpOptions): Promise<ThreadDumpResult> {
  const failed = (reason: string, durationMs = 0, raw = ''): ThreadDumpResult => ({
    ok: false,
    dump: null,
    reason,
    durationMs,
    raw,
  });
  if (!isAbsolute(opts.jcmdPath)) return failed('jcmd unavailable: tools.jcmd was not found at start');
  const procRoot = opts.procRoot ?? '/proc';
  const linux = opts.linux ?? process.platform === 'linux';
  // setpriv is Linux's; elsewhere jcmd runs as the daemon's user, as before.
  const owner = linux ? readEffectiveOwner(procRoot, pid) : null;
  if (linux && !owner) return failed(`cannot read the owner of pid ${pid}: no thread dump`);
  const t = await runTracerOnTarget(pid, opts.jcmdPath, [String(pid), 'Thread.print'], {
    procRoot,
    timeoutMs: opts.timeoutMs,
    maxOutputBytes: opts.maxOutputBytes,
    addressSpaceBytes: null,
    linux,
    ...(owner ? { runAs: owner } : {}),
    ...(opts.run ? { run: opts.run } : {}),
  });
  if (!t.run) return failed(`jcmd ${pid} Thread.print not run: ${t.refusal.reason}`);
  const r = t.run;
  const dump = parseThreadDump(r.stdout);
  if (r.timedOut) return failed(`jcmd did not finish within ${opts.timeoutMs} ms: killed`, r.durationMs, r.stdout);
  if ((r.failed && !r.truncated) || dump.threads.length === 0) {
    const why =
      (r.stdout + r.stderr)
        .split('\n')
        .find((l) => /Exception|Error|denied|not/i.test(l))
        ?.trim() ??
      r.cause ??
      'no threads in output';
    return failed(`jcmd ${pid} Thread.print failed: ${why.slice(0, 300)}`, r.durationMs, r.stdout);
  }
  return {
    ok: true,
    dump,
    reason: r.truncated ? `output cut at ${opts.maxOutputBytes} bytes` : null,
    durationMs: r.durationMs,
    raw: r.stdout,
  };
}

/** The effective uid and gid of pid (second fields of Uid:/Gid: in /proc/PID/status). */
export function readEffectiveOwner(procRoot: string, pid: number): { uid: number; gid: number } | null {
  const status = new ProcFS(procRoot).status(pid);
  if (isFailure(status) || status.effectiveUid === null || status.effectiveGid === null) return null;
  return { uid: status.effectiveUid, gid: status.effectiveGid };
}
