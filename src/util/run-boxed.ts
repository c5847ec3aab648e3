/**
 * The tracer box: how every program run against a watched process (eu-stack,
 * gdb, pstack, gstack, gcore, jcmd) is started. Such a program attaches to a
 * hostile process and reads its memory, so it gets nothing of forkwatch's:
 *
 * - an absolute path resolved at start (src/capture/tools.ts), never a name;
 * - a fixed environment: BOX_ID=<nonce> first, PATH, LC_ALL=C and the
 *   caller's fixed extras (DEBUGINFOD_URLS=''); no token, no webhook, no
 *   FORKWATCH_* (extendEnv off);
 * - stdin /dev/null, cwd /, descriptors 0-2 only (Node opens everything
 *   O_CLOEXEC; strays inherited from our own parent are closed at start,
 *   closeStrayDescriptors in descriptors.ts);
 * - its own session (setsid), hence its own process group;
 * - resource limits through util-linux prlimit (Node has no setrlimit):
 *   CPU seconds, address space, no core, open files;
 * - optionally another uid/gid (setpriv), e.g. jcmd as the target's user;
 * - a deadline that holds even when a descendant escapes the group and keeps
 *   our pipe open: at the deadline (or an abort, or the output cap) the
 *   descendants are listed, the group and each of them killed, processes
 *   carrying the run's nonce killed, our pipe ends destroyed, and the result
 *   returned at once (timedOut: true) without waiting for anything.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { isFailure } from '../proc/read.js';
import { ownProc } from '../proc/fs.js';
import { findByEnvNonce, killQuietly, listDescendants } from './reap.js';
import type { BoxOptions, RunOptions, RunResult } from './run-types.js';

/** The whole environment of a boxed program, apart from BOX_ID and the caller's fixed extras. */
export const BOX_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
export const BOX_ID_VAR = 'TRACER_BOX_ID';

/** The argv that applies the box: prlimit … -- [setpriv … --] command args. */
export function boxArgv(command: string, args: readonly string[], box: BoxOptions): string[] {
  const l = box.limits;
  const limits = box.prlimit
    ? [
        box.prlimit,
        `--cpu=${l.cpuSeconds}`,
        `--as=${l.addressSpaceBytes ?? 'unlimited'}`,
        '--core=0',
        `--nofile=${l.openFiles}`,
        ...(l.fileSizeBytes ? [`--fsize=${l.fileSizeBytes}`] : []),
        '--',
      ]
    : [];
  const user = box.runAs
    ? [box.runAs.setpriv, `--reuid=${box.runAs.uid}`, `--regid=${box.runAs.gid}`, '--clear-groups', '--']
    : [];
  return [...limits, ...user, command, ...args];
}

export function boxEnv(nonce: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { [BOX_ID_VAR]: nonce, PATH: BOX_PATH, LC_ALL: 'C', ...extra };
}

export async function runBoxed(
  command: string,
  args: string[],
  opts: RunOptions & { box: BoxOptions },
): Promise<RunResult> {
  const started = performance.now();
  const base = { command, args, exitCode: null, signal: null, stdout: '', stderr: '' };
  if (!isAbsolute(command)) {
    const cause = `${JSON.stringify(command)} is not an absolute path resolved at start: not run`;
    return {
      ...base,
      failed: true,
      timedOut: false,
      truncated: false,
      notFound: true,
      durationMs: 0,
      cause,
      ...(opts.signal ? { aborted: false } : {}),
    };
  }
  const nonce = randomBytes(12).toString('hex');
  const [exe, ...argv] = boxArgv(command, args, opts.box);
  const child = spawn(exe!, argv, {
    detached: true, // setsid(): its own session and process group
    stdio: ['ignore', 'pipe', 'pipe'],
    env: boxEnv(nonce, opts.box.env),
    cwd: '/',
    windowsHide: true,
  });
  return new Promise<RunResult>((resolve) => {
    const out = new CappedText(opts.maxOutputBytes);
    const err = new CappedText(opts.maxOutputBytes);
    let ended: 'timeout' | 'abort' | 'cap' | null = null;
    let settled = false;
    const finish = (fields: Partial<RunResult>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      const failed = fields.failed ?? true;
      resolve({
        ...base,
        failed,
        timedOut: ended === 'timeout',
        truncated: out.truncated,
        notFound: false,
        stdout: out.text(),
        stderr: err.text(),
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        cause: null,
        ...fields,
        ...(opts.signal ? { aborted: ended === 'abort' } : {}),
      });
    };
    const stop = (why: 'timeout' | 'abort' | 'cap'): void => {
      if (ended || settled) return;
      ended = why;
      clearTimeout(timer);
      const killed = reapBox(child.pid, nonce, child.exitCode !== null || child.signalCode !== null);
      child.stdout?.destroy();
      child.stderr?.destroy();
      const cause =
        why === 'timeout'
          ? `deadline of ${opts.timeoutMs} ms passed: killed`
          : why === 'abort'
            ? 'aborted'
            : `output passed ${opts.maxOutputBytes} bytes: killed`;
      // Let the killed die (a dying tracer still holds its ptrace attachment, which the after-check
      // would misread), but never wait on a pipe and never longer than REAP_WAIT_MS.
      void waitUntilDead(killed, REAP_WAIT_MS).then(() => finish({ failed: true, signal: 'SIGKILL', cause }));
    };
    const onAbort = (): void => stop('abort');
    const timer = setTimeout(() => stop('timeout'), opts.timeoutMs);
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (chunk: Buffer) => {
      if (!out.push(chunk)) stop('cap');
    });
    child.stderr!.on('data', (chunk: Buffer) => void err.push(chunk));
    child.once('error', (e: NodeJS.ErrnoException) => {
      finish({ failed: true, notFound: e.code === 'ENOENT' || e.code === 'EACCES', cause: e.message });
    });
    child.once('close', (code, signal) => {
      if (ended) return; // killed: the stop path reports it
      // prlimit/setpriv exit 126/127 when they cannot exec the tracer: say so rather than "exit 127".
      const notFound = code === 127 && opts.box.prlimit !== null && /failed to execute|No such file/i.test(err.text());
      finish({
        failed: code !== 0,
        exitCode: code,
        signal,
        notFound,
        cause: code === 0 ? null : `exit ${code ?? signal}`,
      });
    });
  });
}

/** How long, at most, a killed run waits for its processes to be dead (not for its pipes). */
const REAP_WAIT_MS = 1000;

/**
 * Kill a boxed program and everything it started, escaped or not. Called once, at the deadline, abort or
 * cap. Returns the pids killed. Once the program itself was reaped its pid may be reused: then a process
 * by that number is not ours (its old group, if it still had members, would hold the number), so only
 * the group is killed, and only when no process has the number.
 */
export function reapBox(pid: number | undefined, nonce: string, reaped = false): number[] {
  if (pid === undefined) return [];
  const ours = !reaped;
  const descendants = ours ? listDescendants(pid) : []; // before any kill: nothing re-parented away yet
  if (ours) killQuietly(pid, true);
  else if (isGone(ownProc.stat(pid))) killQuietly(-pid);
  for (const d of descendants) killQuietly(d, true);
  const marked = findByEnvNonce(`${BOX_ID_VAR}=${nonce}`);
  for (const p of marked) killQuietly(p, true);
  return [...new Set([...(ours ? [pid] : []), ...descendants, ...marked])];
}

/** Resolves once none of pids is running (gone, zombie or dead), or after maxMs. */
async function waitUntilDead(pids: number[], maxMs: number): Promise<void> {
  const until = performance.now() + maxMs;
  while (pids.some(isRunning) && performance.now() < until) await new Promise((r) => setTimeout(r, 2));
}

function isRunning(pid: number): boolean {
  const stat = ownProc.stat(pid);
  return !isFailure(stat) && stat.stateCode !== 'Z' && stat.stateCode !== 'X';
}

/** No process has this number (a denied or unreadable stat still means one does). */
function isGone(stat: ReturnType<typeof ownProc.stat>): boolean {
  return isFailure(stat) && stat.failed === 'gone';
}

/** Output kept up to a cap (bytes); push says false once the cap is passed. */
class CappedText {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): boolean {
    if (this.truncated) return false;
    const room = this.max - this.size;
    if (chunk.length > room) {
      this.chunks.push(chunk.subarray(0, room));
      this.size = this.max;
      this.truncated = true;
      return false;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    return true;
  }
  text(): string {
    return Buffer.concat(this.chunks, this.size).toString('utf8');
  }
}
