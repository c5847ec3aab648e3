/**
 * Why a tracer was refused, in words an operator can act on. The facts are
 * read once (ours: effective uid, CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH; the target's uid and
 * TracerPid; Yama's ptrace_scope when the file exists); explaining is pure.
 */
import { ownProc, ProcFS } from '../proc/fs.js';
import { isFailure } from '../proc/read.js';

export interface PtraceAccessFacts {
  platform: NodeJS.Platform;
  ourEuid: number | null;
  targetUid: number | null;
  /** CAP_SYS_PTRACE in our effective set; null where unknown (not Linux). */
  capSysPtrace: boolean | null;
  /**
   * CAP_DAC_READ_SEARCH in our effective set. /proc/PID/auxv and syscall are
   * mode 0400: the kernel checks file modes before ptrace access, so another
   * user's process needs this too (eu-stack reads auxv). Optional: null/absent where unknown.
   */
  capDacReadSearch?: boolean | null;
  /** kernel.yama.ptrace_scope; null when the file does not exist (no Yama). */
  ptraceScope: number | null;
  /** Another debugger already attached (non-zero). */
  targetTracerPid: number | null;
}

const CAP_SYS_PTRACE_BIT = 19n;
const CAP_DAC_READ_SEARCH_BIT = 2n;

function hasCap(capEff: bigint | null, bit: bigint): boolean | null {
  return capEff === null ? null : ((capEff >> bit) & 1n) === 1n;
}

export function readPtraceAccessFacts(pid: number, procRoot: string): PtraceAccessFacts {
  const own = ownProc.status('self');
  const capEff = isFailure(own) ? null : own.capEff;
  const fs = new ProcFS(procRoot);
  const target = fs.status(pid);
  const targetStatus = isFailure(target) ? null : target;
  const scopeText = fs.hostText('sys/kernel/yama/ptrace_scope');
  const scope = isFailure(scopeText) ? null : Number.parseInt(scopeText.trim(), 10);
  return {
    platform: process.platform,
    ourEuid: typeof process.geteuid === 'function' ? process.geteuid() : null,
    targetUid: targetStatus?.realUid ?? null,
    capSysPtrace: hasCap(capEff, CAP_SYS_PTRACE_BIT),
    capDacReadSearch: hasCap(capEff, CAP_DAC_READ_SEARCH_BIT),
    ptraceScope: scope === null || Number.isNaN(scope) ? null : scope,
    targetTracerPid: targetStatus?.tracerPid ?? null,
  };
}

/** Text a tracer prints when the kernel said no (ptrace EPERM, /proc EACCES, illumos "permission denied"). */
export function looksRefused(output: string): boolean {
  return /Operation not permitted|EPERM|permission denied|Not owner|cannot control process/i.test(
    output.slice(0, 64 * 1024),
  );
}

/** Exactly what is missing for ptrace to be allowed, given the facts. */
export function explainRefusal(f: PtraceAccessFacts): string {
  if (f.platform === 'sunos') {
    return (
      'the /proc control of the target was refused: forkwatch needs the proc_owner privilege ' +
      `(or the target's uid${f.targetUid !== null ? ` ${f.targetUid}` : ''}; ours is ${f.ourEuid ?? '?'}), ` +
      'e.g. an SMF method_credential with privileges=basic,proc_owner'
    );
  }
  const missing: string[] = [];
  if (f.targetTracerPid) missing.push(`another tracer (pid ${f.targetTracerPid}) is already attached; only one may be`);
  const sameUid = f.ourEuid !== null && f.targetUid !== null && f.ourEuid === f.targetUid;
  if (f.capSysPtrace === false && !sameUid) {
    missing.push(
      `CAP_SYS_PTRACE is missing and forkwatch (uid ${f.ourEuid ?? '?'}) is not the target's user (uid ${f.targetUid ?? '?'}): ` +
        'grant CAP_SYS_PTRACE (systemd AmbientCapabilities=CAP_SYS_PTRACE) or run as the same uid',
    );
  }
  if (f.capSysPtrace === true && f.capDacReadSearch === false && !sameUid && f.ourEuid !== 0) {
    missing.push(
      `CAP_DAC_READ_SEARCH is missing: /proc/PID/auxv and /proc/PID/syscall of uid ${f.targetUid ?? '?'} are mode 0400, ` +
        'checked before ptrace access: grant CAP_DAC_READ_SEARCH beside CAP_SYS_PTRACE',
    );
  }
  if (f.ptraceScope !== null && f.ptraceScope >= 1 && f.capSysPtrace === false) {
    missing.push(
      f.ptraceScope >= 3
        ? `kernel.yama.ptrace_scope is ${f.ptraceScope} (no attach at all, even with CAP_SYS_PTRACE, until reboot)`
        : `kernel.yama.ptrace_scope is ${f.ptraceScope} (attach only with CAP_SYS_PTRACE${f.ptraceScope === 1 ? ' or to a descendant' : ''}): grant CAP_SYS_PTRACE or set it to 0`,
    );
  }
  if (f.ptraceScope !== null && f.ptraceScope >= 3 && f.capSysPtrace !== false) {
    missing.push(`kernel.yama.ptrace_scope is ${f.ptraceScope}: no process may attach until reboot`);
  }
  if (missing.length > 0) return `ptrace refused: ${missing.join('; ')}`;
  return (
    `ptrace refused although uid (ours ${f.ourEuid ?? '?'}, target ${f.targetUid ?? '?'}), ` +
    `CAP_SYS_PTRACE (${f.capSysPtrace === null ? 'unknown' : f.capSysPtrace ? 'present' : 'absent'}) and ` +
    `kernel.yama.ptrace_scope (${f.ptraceScope ?? 'no Yama'}) allow it: look for a seccomp filter, an LSM ` +
    '(AppArmor/SELinux ptrace rule) or a container runtime dropping CAP_SYS_PTRACE'
  );
}
