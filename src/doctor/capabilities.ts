/**
 * Pure parsers for the privileges a tracer needs: Linux capability sets
 * (CapEff, parsed with the rest of status in src/proc), Yama's ptrace_scope,
 * illumos `ppriv PID`.
 */

/** linux/capability.h bit numbers of the two capabilities forkwatch needs. */
export const CAP_BITS = { CAP_DAC_READ_SEARCH: 2, CAP_SYS_PTRACE: 19 } as const;
export type NeededCap = keyof typeof CAP_BITS;
export const NEEDED_CAPS = Object.keys(CAP_BITS) as NeededCap[];

export function hasCap(mask: bigint, cap: NeededCap): boolean {
  return ((mask >> BigInt(CAP_BITS[cap])) & 1n) === 1n;
}

export function missingCaps(mask: bigint): NeededCap[] {
  return NEEDED_CAPS.filter((c) => !hasCap(mask, c));
}

/** Yama's ptrace_scope: 0 classic, 1 descendants only, 2 CAP_SYS_PTRACE only, 3 no attach at all; null: Yama absent. */
export type PtraceScope = 0 | 1 | 2 | 3;

/** The value of /proc/sys/kernel/yama/ptrace_scope; 'malformed' for anything but 0-3. */
export function parsePtraceScope(text: string): PtraceScope | 'malformed' {
  const m = /^\s*([0-3])\s*$/.exec(text.slice(0, 16));
  return m ? (Number(m[1]) as PtraceScope) : 'malformed';
}

export type Verdict = { status: 'ok' | 'warn' | 'fail'; detail: string; fix: string | null };

/** Can this process's tracers attach under Yama, given whether it holds CAP_SYS_PTRACE? */
export function yamaVerdict(scope: PtraceScope | null, ptraceCap: boolean): Verdict {
  const fixCap =
    'grant CAP_SYS_PTRACE (systemd: AmbientCapabilities=CAP_SYS_PTRACE CAP_DAC_READ_SEARCH) or run as root';
  switch (scope) {
    case null:
      return { status: 'ok', detail: 'Yama not enabled: ptrace follows the classic rules', fix: null };
    case 0:
      return { status: 'ok', detail: 'ptrace_scope 0 (classic)', fix: null };
    case 1:
      return ptraceCap
        ? { status: 'ok', detail: 'ptrace_scope 1 (descendants only); CAP_SYS_PTRACE held lifts it', fix: null }
        : {
            status: 'fail',
            detail: "ptrace_scope 1: only descendants can be traced, and a JVM is never the tracer's descendant",
            fix: fixCap,
          };
    case 2:
      return ptraceCap
        ? { status: 'ok', detail: 'ptrace_scope 2 (admin only); CAP_SYS_PTRACE held', fix: null }
        : { status: 'fail', detail: 'ptrace_scope 2: attaching needs CAP_SYS_PTRACE', fix: fixCap };
    case 3:
      return {
        status: 'fail',
        detail: 'ptrace_scope 3: no process may attach, whatever its capabilities (kernel evidence only; no stacks)',
        fix: 'set kernel.yama.ptrace_scope to 1 or 2 (it cannot be lowered from 3 without a reboot): /etc/sysctl.d/10-ptrace.conf, then reboot',
      };
  }
}

/** illumos `ppriv PID` output: the privilege names of the effective set (E:). */
export function parsePprivEffective(text: string): string[] | null {
  const m = /^\s*E:\s*([a-z_,!]{0,4096})\s*$/m.exec(text.slice(0, 64 * 1024));
  return m ? m[1]!.split(',').filter(Boolean) : null;
}

/** proc_owner (or the whole set) in the effective privileges: another user's process can be examined. */
export function pprivVerdict(effective: string[] | null): Verdict {
  if (effective === null)
    return {
      status: 'fail',
      detail: 'no E: line in the ppriv output',
      fix: 'run forkwatch as root or with proc_owner',
    };
  const held =
    !effective.includes('!proc_owner') &&
    (effective.includes('all') || effective.includes('zone') || effective.includes('proc_owner'));
  if (held) {
    return { status: 'ok', detail: `proc_owner in the effective set (${effective.length} privileges)`, fix: null };
  }
  return {
    status: 'fail',
    detail: `proc_owner missing from the effective set (${effective.slice(0, 8).join(',')})`,
    fix: 'svccfg -s forkwatch setprop method_context/privileges = astring: basic,proc_owner and svcadm refresh forkwatch (or usermod -K defaultpriv=basic,proc_owner USER)',
  };
}
