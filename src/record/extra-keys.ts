/**
 * The keys of IncidentEvidence.extra that extensions write and read: one
 * place, so the writer (an extension's step) and the readers (the bundle,
 * another extension) agree without importing each other.
 */

/** The outcome of gcore (src/bundle/core-step.ts writes it, the bundle and GET …/core read it). */
export const CORE_RESULT_KEY = 'core';
/** The target facts gathered at confirmation. */
export const TARGET_FACTS_KEY = 'targetFacts';
/** The target's fork-risk audit (src/audit/daemon/incidents.ts), an AuditResult plus auditedAt. */
export const FORK_RISK_KEY = 'forkRisk';
