/** What each doctor check hands back: plain data, one line of the checklist. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip' | 'unknown';

export interface CheckResult {
  /** Stable name, e.g. "privileges", "attach eu-stack", "target jenkins pid 123". */
  check: string;
  status: CheckStatus;
  /** What was found, for people. Never a secret. */
  detail: string;
  /** The command or config change that fixes it; null when nothing is to fix. */
  fix: string | null;
}

export function result(check: string, status: CheckStatus, detail: string, fix: string | null = null): CheckResult {
  return { check, status, detail, fix: status === 'ok' ? null : fix };
}

/**
 * The monitoring-plugin convention: 0 all ok, 1 a warning, 2 a failure, 3
 * cannot tell. A failure wins over "cannot tell" (it is known to be broken);
 * a skipped check (disabled in the config, or not for this platform) is not a problem.
 */
export function exitStatusOf(results: readonly CheckResult[]): number {
  if (results.some((r) => r.status === 'fail')) return 2;
  if (results.some((r) => r.status === 'unknown')) return 3;
  if (results.some((r) => r.status === 'warn')) return 1;
  return 0;
}
