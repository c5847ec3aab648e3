/**
 * The fork-risk audit's public API (for the daemon integration: schedule,
 * metric, page section, route, bundle). All results are plain, redacted data.
 *
 *   const set = loadRules({ paths: config.audit.rulePaths });   // errors: set.errors (data)
 *   const results = await auditTargets(config, set.rules);       // every configured target
 *   const one = await auditProcess('jenkins', pid, set.rules, { procRoot, jcmd: jcmdOptions(config) });
 */
export { auditProcess, auditTargets, jcmdOptions, type AuditOptions } from './audit.js';
export {
  formatRuleErrors,
  loadRules,
  parseRuleText,
  readRuleFile,
  SHIPPED_RULES_DIR,
  type LoadRulesOptions,
} from './load.js';
export { evaluateRules } from './evaluate.js';
export { SUPPORTED_MAJOR } from './schema.js';
export type {
  AuditReason,
  AuditResult,
  CompiledRule,
  Evidence,
  ProcessFacts,
  RiskLevel,
  RuleLoadError,
  RuleSet,
} from './types.js';
