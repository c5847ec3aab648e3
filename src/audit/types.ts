/** Plain data between the audit's stages: rules, facts, the per-target result. */
import type { SafeRegex } from '../util/safe-regex.js';
import type { Condition, Rule } from './schema.js';

export type CompiledCondition = Condition & { re: SafeRegex | null };

export interface CompiledRule extends Omit<Rule, 'when'> {
  when: CompiledCondition[];
  /** The file the rule came from (a user file's rule replaces a shipped one with the same id). */
  file: string;
  fileVersion: string;
}

export interface RuleLoadError {
  path: string;
  rule: number | null;
  id: string | null;
  /** The key at fault, e.g. `rules[2].when[0].pattern` or `version`. */
  key: string | null;
  message: string;
}

export interface RuleSet {
  rules: CompiledRule[];
  errors: RuleLoadError[];
  files: string[];
}

/** A mapped object and, when it could be read, whether its dynamic symbols import an atfork registration. */
export interface MappedObject {
  path: string;
  /** `__register_atfork` / `pthread_atfork` imported (undefined in .dynsym); null: not read. */
  atforkImport: boolean | null;
}

/** Everything the rules look at, read from files only. */
export interface ProcessFacts {
  pid: number;
  platform: 'linux' | 'illumos';
  executable: MappedObject | null;
  libraries: MappedObject[];
  args: string[];
  /** Java system properties: -D arguments, the *_JAVA_OPTIONS variables, then jcmd VM.system_properties when run. */
  properties: Record<string, { value: string; from: string }>;
  /** Only the AUDITED_ENV variables; null: environ unreadable. */
  environment: Record<string, string> | null;
  threads: number | null;
  libc: { name: 'glibc' | 'musl'; version: string | null; path: string } | null;
  os: { id: string; versionId: string | null; prettyName: string | null } | null;
  jdk: { home: string; version: string | null } | null;
  /** What could not be read, in words (shown, never fatal alone). */
  unreadable: string[];
}

export type RiskLevel = 'none' | 'low' | 'high';

export interface Evidence {
  kind: Condition['kind'];
  text: string;
}

export interface AuditReason {
  rule: string;
  title: string;
  level: 'low' | 'high';
  /** The first condition's evidence. */
  evidence: Evidence;
  /** Every condition's evidence, in the rule's order. */
  evidenceAll: Evidence[];
  why: string;
  prevention: string;
  source: { title: string; url: string }[];
}

export interface AuditResult {
  target: string;
  pid: number | null;
  /** null: cannot tell (no process, facts unreadable). */
  risk: RiskLevel | null;
  reasons: AuditReason[];
  /** Why risk is null, or what was not read. */
  notes: string[];
}
