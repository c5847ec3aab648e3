/**
 * /proc/PID/status: "Name:\tjava\nState:\tS (sleeping)\n...Uid:\t1000\t1000\t1000\t1000\n".
 * Missing keys are null: a partial status (kernel threads, truncation) is
 * still useful. Total: never throws.
 */
import { toHexBig, toUint } from './numbers.js';

export interface StatusFields {
  /** One-letter state code (S, R, D, T, t, Z, ...). */
  stateCode: string | null;
  threads: number | null;
  tracerPid: number | null;
  /** Real uid (first Uid column). */
  realUid: number | null;
  /** Effective uid (second Uid column), as ps shows it. */
  effectiveUid: number | null;
  /** Effective gid (second Gid column). */
  effectiveGid: number | null;
  voluntaryCtxtSwitches: number | null;
  nonvoluntaryCtxtSwitches: number | null;
  /** Pending signal masks (thread and shared), as bigint bit sets; null where absent. */
  sigPnd: bigint | null;
  shdPnd: bigint | null;
  /** Effective capabilities, as a bigint bit set. */
  capEff: bigint | null;
}

const MAX_LINES = 200;

function emptyStatus(): StatusFields {
  return {
    stateCode: null,
    threads: null,
    tracerPid: null,
    realUid: null,
    effectiveUid: null,
    effectiveGid: null,
    voluntaryCtxtSwitches: null,
    nonvoluntaryCtxtSwitches: null,
    sigPnd: null,
    shdPnd: null,
    capEff: null,
  };
}

export function parseStatus(text: string): StatusFields {
  const out = emptyStatus();
  for (const line of text.split('\n', MAX_LINES)) {
    const colon = line.indexOf(':');
    if (colon > 0 && colon < 64) setField(out, line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return out;
}

function setField(out: StatusFields, key: string, value: string): void {
  switch (key) {
    case 'State':
      out.stateCode = /^[A-Za-z]\b/.test(value) ? value.charAt(0) : null;
      break;
    case 'Threads':
      out.threads = toUint(value);
      break;
    case 'TracerPid':
      out.tracerPid = toUint(value);
      break;
    case 'Uid': {
      const cols = value.split(/\s+/, 2);
      out.realUid = toUint(cols[0]);
      out.effectiveUid = toUint(cols[1]);
      break;
    }
    case 'Gid':
      out.effectiveGid = toUint(value.split(/\s+/, 2)[1]);
      break;
    case 'voluntary_ctxt_switches':
      out.voluntaryCtxtSwitches = toUint(value);
      break;
    case 'nonvoluntary_ctxt_switches':
      out.nonvoluntaryCtxtSwitches = toUint(value);
      break;
    case 'SigPnd':
      out.sigPnd = toHexBig(value);
      break;
    case 'ShdPnd':
      out.shdPnd = toHexBig(value);
      break;
    case 'CapEff':
      out.capEff = toHexBig(value);
  }
}

/** SIGSTOP (19) is pending, thread or process wide: the task will stop as soon as it runs. */
export function isStopPending(status: Pick<StatusFields, 'sigPnd' | 'shdPnd'>): boolean {
  const bit = 1n << 18n; // signal N is bit N-1
  return ((status.sigPnd ?? 0n) & bit) !== 0n || ((status.shdPnd ?? 0n) & bit) !== 0n;
}
