/** The checklist as people read it, and as JSON: a stable array of { check, status, detail, fix }. */
import type { CheckResult, CheckStatus } from './types.js';

const MARK: Readonly<Record<CheckStatus, string>> = {
  ok: 'ok',
  warn: 'WARN',
  fail: 'CRIT',
  skip: 'skip',
  unknown: '??',
};

export function formatChecklist(results: readonly CheckResult[]): string {
  const width = Math.min(40, Math.max(...results.map((r) => r.check.length), 5));
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`[${MARK[r.status].padEnd(4)}] ${r.check.padEnd(width)}  ${r.detail}`);
    if (r.fix && r.status !== 'ok' && r.status !== 'skip') lines.push(`${' '.repeat(width + 9)}fix: ${r.fix}`);
  }
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  lines.push(
    '',
    `${results.length} checks: ${count('ok')} ok, ${count('warn')} warning, ${count('fail')} failed, ${count('unknown')} unknown, ${count('skip')} skipped`,
  );
  return `${lines.join('\n')}\n`;
}

export function checklistToJson(results: readonly CheckResult[]): string {
  return `${JSON.stringify(
    results.map((r) => ({ check: r.check, status: r.status, detail: r.detail, fix: r.fix })),
    null,
    2,
  )}\n`;
}
