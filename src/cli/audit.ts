/**
 * forkwatch audit [--config F] [--json]
 * For each watched JVM: a fork-risk level (none/low/high), each reason with
 * its evidence and the prevention (src/audit/). Exit (monitoring-plugin
 * convention): 0 no risk (none or low), 1 a high risk, 3 cannot tell (no
 * target found, facts unreadable), 78 bad config, option or rule file.
 */
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../config/errors.js';
import { resolveToolsAtStart } from '../capture/tools.js';
import { auditTargets } from '../audit/audit.js';
import { formatRuleErrors, loadRules } from '../audit/load.js';
import type { AuditResult } from '../audit/types.js';
import { setRedactionPatterns } from '../util/redact.js';
import { CONFIG_OPTION, parseCommandArgs } from './args.js';
import { printable } from '../util/printable.js';

const OPTIONS = { ...CONFIG_OPTION, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

const HELP = `usage: forkwatch audit [--config FILE] [--json]

Rates each watched JVM's risk of deadlocking its forked children before exec
(launchMechanism, libraries with fork handlers, LD_PRELOAD, threads, libc),
from files only (/proc/PID/maps, cmdline, environ, status, the JDK release
file); jcmd VM.system_properties only when threadDump.enabled.
Rules: signatures/fork-risk/ plus audit.rules.paths (docs/audit.md).
  --json   print the results as JSON
exit: 0 no risk (none or low), 1 a high risk, 3 cannot tell, 78 bad option or rule file
`;

export function auditExitStatus(results: readonly AuditResult[]): number {
  if (results.some((r) => r.risk === 'high')) return 1;
  if (results.length === 0 || results.some((r) => r.risk === null)) return 3;
  return 0;
}

export function formatAuditTable(results: readonly AuditResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`${r.target}\tpid ${r.pid ?? '-'}\trisk ${r.risk ?? 'cannot tell'}`);
    for (const reason of r.reasons) {
      out.push(`  [${reason.level}] ${reason.rule}: ${reason.title}`);
      for (const e of reason.evidenceAll) out.push(`      evidence (${e.kind}): ${e.text}`);
      out.push(`      prevent: ${reason.prevention}`);
      out.push(`      source: ${reason.source.map((s) => s.url).join(' ')}`);
    }
    for (const n of r.notes) out.push(`  note: ${n}`);
  }
  if (results.length === 0) out.push('no target configured');
  // evidence quotes the target's maps and command line: no escape sequence of theirs reaches the terminal
  return `${out.map(printable).join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('audit', argv, OPTIONS);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const config = resolveToolsAtStart(loadConfig({ file: values.config }));
  setRedactionPatterns(config.redact.patterns);
  const rules = loadRules({ paths: config.audit.rulePaths });
  if (rules.errors.length > 0) {
    throw new ConfigError(
      'audit.rules.paths',
      rules.errors[0]!.path,
      `bad fork-risk rule file:\n${formatRuleErrors(rules.errors)}`,
    );
  }
  const results = await auditTargets(config, rules.rules);
  process.stdout.write(values.json ? `${JSON.stringify({ results }, null, 2)}\n` : formatAuditTable(results));
  return auditExitStatus(results);
}
