/** The privileges check: root or the two capabilities (Linux), proc_owner (illumos), and Yama. */
import { ownProc, ProcFS } from '../proc/fs.js';
import { isFailure, orNull } from '../proc/read.js';
import { runProgram } from '../util/run-program.js';
import {
  missingCaps,
  parsePprivEffective,
  parsePtraceScope,
  pprivVerdict,
  yamaVerdict,
  hasCap,
  type PtraceScope,
} from './capabilities.js';
import { result, type CheckResult } from './types.js';

const YAMA_FILE = 'sys/kernel/yama/ptrace_scope';
export const YAMA_PATH = `${ownProc.root}/${YAMA_FILE}`;
const CAPS_FIX =
  'run as root, or grant the capabilities: systemd AmbientCapabilities=CAP_SYS_PTRACE CAP_DAC_READ_SEARCH (deploy/systemd/forkwatch.service), or setcap/capsh for a manual run';

export interface LinuxPrivileges {
  euid: number | null;
  capEff: bigint | null;
  /** null: Yama absent; 'malformed': present but unreadable as 0-3. */
  scope: PtraceScope | null | 'malformed';
}

export function readLinuxPrivileges(procRoot = '/proc'): LinuxPrivileges {
  const status = new ProcFS(procRoot).status('self');
  const yama = orNull(ownProc.hostText(YAMA_FILE, 64));
  return {
    euid: isFailure(status) ? null : status.effectiveUid,
    capEff: isFailure(status) ? null : status.capEff,
    scope: yama === null ? null : parsePtraceScope(yama),
  };
}

/** Pure: the privileges and Yama lines for what was read. */
export function linuxPrivilegeChecks(p: LinuxPrivileges): CheckResult[] {
  const out: CheckResult[] = [];
  if (p.capEff === null || p.euid === null) {
    out.push(
      result(
        'privileges',
        'unknown',
        'no CapEff/Uid line in /proc/self/status',
        'run doctor on Linux with /proc mounted',
      ),
    );
  } else {
    const missing = missingCaps(p.capEff);
    const caps = `CapEff ${p.capEff.toString(16).padStart(16, '0')}`;
    if (missing.length === 0)
      out.push(
        result(
          'privileges',
          'ok',
          `${p.euid === 0 ? 'root, ' : `uid ${p.euid}, `}CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH effective (${caps})`,
        ),
      );
    else
      out.push(
        result(
          'privileges',
          'fail',
          `uid ${p.euid}: ${missing.join(' and ')} not in the effective set (${caps}): another user's JVM cannot be traced nor its /proc files read`,
          CAPS_FIX,
        ),
      );
  }
  if (p.scope === 'malformed')
    out.push(result('yama ptrace_scope', 'unknown', `${YAMA_PATH} holds something other than 0-3`, `cat ${YAMA_PATH}`));
  else {
    const v = yamaVerdict(p.scope, p.capEff !== null && hasCap(p.capEff, 'CAP_SYS_PTRACE'));
    out.push(result('yama ptrace_scope', v.status, v.detail, v.fix));
  }
  return out;
}

/** illumos: `ppriv <our pid>`, absolute, bounded. */
export async function illumosPrivilegeChecks(): Promise<CheckResult[]> {
  const r = await runProgram('/usr/bin/ppriv', [String(process.pid)], { timeoutMs: 5000, maxOutputBytes: 64 * 1024 });
  if (r.failed)
    return [
      result(
        'privileges',
        'unknown',
        `ppriv ${process.pid} failed: ${r.cause ?? 'no output'}`,
        'check that /usr/bin/ppriv runs',
      ),
    ];
  const v = pprivVerdict(parsePprivEffective(r.stdout));
  return [result('privileges', v.status, v.detail, v.fix)];
}

export async function privilegeChecks(platform = process.platform): Promise<CheckResult[]> {
  if (platform === 'sunos') return illumosPrivilegeChecks();
  if (platform !== 'linux') return [result('privileges', 'unknown', `platform ${platform}: no privilege check`, null)];
  return linuxPrivilegeChecks(readLinuxPrivileges());
}
