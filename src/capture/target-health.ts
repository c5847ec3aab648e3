/**
 * "Never harm the target": what forkwatch checks before and repairs after a
 * tracer ran.
 *
 * Why a target can be left stopped: PTRACE_ATTACH queues a SIGSTOP. A tracer
 * that exits normally consumes it and detaches. A tracer killed between the
 * attach and the detach is detached by the kernel (exit_ptrace), but the
 * SIGSTOP stays pending (or, if the tracee sat in its signal-delivery-stop,
 * is re-delivered), so the moment the tracee runs it enters group-stop:
 * state T, forever, with nobody to send SIGCONT. That is harm we caused, so
 * we undo it: SIGCONT, and only when (a) the same process (pid and start time)
 * (b) was neither stopped nor traced before we attached and (c) is stopped
 * (or has a SIGSTOP pending) now with no tracer. A target that someone else
 * had stopped is left as it was.
 *
 * A tracer's own helper (gstack is a shell script around gdb) can outlive the
 * killed wrapper and keep the target traced: such a stray tracer is killed,
 * only if it is our own descendant.
 */
import { ProcFS } from '../proc/fs.js';
import { isFailure } from '../proc/read.js';
import { isStopPending } from '../proc/parse/status.js';
import type { TargetAfterCapture } from './types.js';
import { sleep } from '../util/sleep.js';

export interface TargetHealth {
  startTicks: number;
  state: string;
  tracerPid: number;
  stopPending: boolean;
}

export function readTargetHealth(procRoot: string, pid: number): TargetHealth | null {
  const fs = new ProcFS(procRoot);
  const stat = fs.stat(pid);
  const status = fs.status(pid);
  if (isFailure(stat) || isFailure(status)) return null;
  return {
    startTicks: stat.startTicks,
    state: status.stateCode ?? stat.stateCode,
    tracerPid: status.tracerPid ?? 0,
    stopPending: isStopPending(status),
  };
}

export function isStoppedState(state: string): boolean {
  return state === 'T' || state === 't';
}

export interface VerifyOptions {
  procRoot: string;
  /** The tracer did not end cleanly (killed at timeout, crashed, cut at the output cap). */
  abnormalEnd: boolean;
  /** How long to watch a target after an abnormal end (a pending SIGSTOP takes effect when it next runs). */
  settleMs?: number;
  pollMs?: number;
  sendSignal?: (pid: number, signal: NodeJS.Signals) => void;
  /** Our own pid, for "is that stray tracer our descendant". */
  selfPid?: number;
}

/** Check the target after the tracer is gone; repair what a killed tracer left behind. */
export async function verifyTargetUnharmed(
  pid: number,
  before: TargetHealth,
  opts: VerifyOptions,
): Promise<TargetAfterCapture> {
  const out: TargetAfterCapture = { sameProcess: true, stopped: false, traced: false, repaired: [], notes: [] };
  const send = opts.sendSignal ?? ((p: number, s: NodeJS.Signals) => process.kill(p, s));
  const wasOursToRepair = !isStoppedState(before.state) && before.tracerPid === 0 && !before.stopPending;
  const settleMs = opts.abnormalEnd ? (opts.settleMs ?? 300) : 0;
  const pollMs = opts.pollMs ?? 10;
  const started = Date.now();
  let sentCont = 0;
  for (let round = 0; round < 1000; round++) {
    const h = readTargetHealth(opts.procRoot, pid);
    if (!h || h.startTicks !== before.startTicks) {
      out.sameProcess = false;
      out.notes.push(
        h ? 'pid now belongs to another process' : 'process vanished (exited or was killed by someone else)',
      );
      return out;
    }
    out.stopped = isStoppedState(h.state);
    out.traced = h.tracerPid !== 0;
    const elapsed = Date.now() - started;
    if (h.tracerPid !== 0) {
      if (round === 0 || elapsed >= settleMs) killStrayTracer(h.tracerPid, opts, out);
    } else if ((out.stopped || h.stopPending) && wasOursToRepair) {
      // SIGCONT also discards a SIGSTOP still pending, so there is no need to wait for the stop.
      if (sentCont < 3) {
        send(pid, 'SIGCONT');
        sentCont++;
        const what = out.stopped ? `state ${h.state}` : 'a SIGSTOP pending';
        out.repaired.push(`SIGCONT (${what} after the tracer ended; state ${before.state} before)`);
      }
    } else if (out.stopped) {
      out.notes.push(`stopped (${h.state}) before forkwatch attached too: left as it was`);
      return out;
    } else if (elapsed >= settleMs) {
      return out;
    }
    if (elapsed >= Math.max(settleMs, 2000)) {
      out.notes.push(`still ${out.traced ? `traced by ${h.tracerPid}` : `in state ${h.state}`} after ${elapsed} ms`);
      return out;
    }
    await sleep(pollMs);
  }
  return out;
}

/** Kill a tracer still attached after our tool ended, only if we started it (it descends from us). */
function killStrayTracer(tracerPid: number, opts: VerifyOptions, out: TargetAfterCapture): void {
  const self = opts.selfPid ?? process.pid;
  if (!descendsFrom(opts.procRoot, tracerPid, self)) {
    if (!out.notes.some((n) => n.includes(`${tracerPid}`)))
      out.notes.push(`traced by pid ${tracerPid}, not ours: left alone`);
    return;
  }
  try {
    (opts.sendSignal ?? ((p: number, s: NodeJS.Signals) => process.kill(p, s)))(tracerPid, 'SIGKILL');
    out.repaired.push(`killed stray tracer ${tracerPid} (our descendant, still attached)`);
  } catch {
    /* it exited meanwhile */
  }
}

function descendsFrom(procRoot: string, pid: number, ancestor: number): boolean {
  const fs = new ProcFS(procRoot);
  let cur = pid;
  for (let depth = 0; depth < 64 && cur > 1; depth++) {
    const stat = fs.stat(cur);
    if (isFailure(stat)) return false;
    if (stat.ppid === ancestor) return true;
    cur = stat.ppid;
  }
  return false;
}
