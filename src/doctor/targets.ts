/**
 * The targets `forkwatch scan` would watch (the daemon's scanner, one scan),
 * each with its user, and whether its /proc/PID/syscall is readable: the
 * kernel evidence a capture needs (0400, the target's owner, and ptrace
 * access: root or CAP_DAC_READ_SEARCH + CAP_SYS_PTRACE for another user's).
 */
import type { ScanReport } from '../classify/types.js';
import type { Config } from '../config/config.js';
import { buildStages } from '../stages/build.js';
import { silentLogger } from '../util/logger.js';
import { ownProc } from '../proc/fs.js';
import { orNull } from '../proc/read.js';
import { result, type CheckResult } from './types.js';

export async function scanTargets(config: Config): Promise<ScanReport | Error> {
  try {
    return await buildStages(config, silentLogger()).scanner.scan();
  } catch (err) {
    return err as Error;
  }
}

/** Pure apart from readSyscall: the lines for one scan. */
export function targetChecks(
  report: ScanReport | Error,
  readSyscall: (pid: number) => string | null = readSyscallFile,
): CheckResult[] {
  if (report instanceof Error)
    return [
      result(
        'targets',
        'unknown',
        `the scan failed: ${report.message.slice(0, 240)}`,
        'forkwatch scan --config FILE shows the same scan',
      ),
    ];
  const out: CheckResult[] = [];
  for (const name of report.missingTargets) {
    out.push(
      result(
        `target ${name}`,
        'warn',
        'no process found for this target',
        `start it, or correct targets[] (name "${name}": cmdline/exe/user/pid/pidfile); forkwatch scan lists what is found`,
      ),
    );
  }
  for (const t of report.targets) {
    const p = t.process;
    const who = t.user ?? `uid ${p.uid}`;
    out.push(result(`target ${t.name}`, 'ok', `pid ${p.pid}, user ${who}`));
    out.push(syscallLine(t.name, p.pid, who, readSyscall(p.pid)));
  }
  if (report.targets.length === 0 && report.missingTargets.length === 0)
    out.push(
      result(
        'targets',
        'warn',
        'no target configured or found',
        'add targets: [{ name: jenkins, cmdline: "jenkins\\\\.war" }] to the config',
      ),
    );
  return out;
}

function syscallLine(name: string, pid: number, who: string, text: string | null): CheckResult {
  const check = `syscall ${name}`;
  if (text !== null)
    return result(check, 'ok', `pid ${pid}: /proc/${pid}/syscall readable (${text.split(' ', 1)[0] || 'empty'})`);
  return result(
    check,
    'fail',
    `pid ${pid}: /proc/${pid}/syscall unreadable (the process of ${who}): no kernel proof of a hang`,
    "run as root, or as the target's user, or grant CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (systemd AmbientCapabilities=)",
  );
}

function readSyscallFile(pid: number): string | null {
  return orNull(ownProc.text(pid, 'syscall', 512))?.trim() ?? null;
}
