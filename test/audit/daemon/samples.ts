/** Audit results for the daemon-side tests (plain data, as auditProcess returns them). */
import type { AuditReason, AuditResult, RiskLevel } from '../../../src/audit/types.js';

export function reason(rule: string, level: 'low' | 'high', text = `${rule} evidence`): AuditReason {
  const evidence = { kind: 'property' as const, text };
  return {
    rule,
    title: `${rule} title`,
    level,
    evidence,
    evidenceAll: [evidence],
    why: 'why',
    prevention: 'do this',
    source: [{ title: 's', url: 'https://example.org' }],
  };
}

export function result(
  risk: RiskLevel | null,
  reasons: AuditReason[] = [],
  pid: number | null = 100,
  target = 'jenkins',
): AuditResult {
  return { target, pid, risk, reasons, notes: [] };
}
