/**
 * Load fork-risk rules: the shipped ones (signatures/fork-risk/ at the
 * package root) then the user's (config `audit.rules.paths`, files or
 * directories), as src/match/load.ts does for signatures. A later file
 * replaces an earlier rule by reusing its id (the user wins); `disabled: true`
 * switches one off. Problems are data (RuleLoadError: file, rule index, id,
 * key); the CLI turns them into exit 78.
 */
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { listDataFiles, parseDataText, pointerToKey, readDataText } from '../util/data-files.js';
import { compileSafeRegex, UnsafeRegexError } from '../util/safe-regex.js';
import { weakLazy } from '../util/weak-lazy.js';
import {
  ConditionSchema,
  RuleFileSchema,
  RuleSchema,
  SUPPORTED_MAJOR,
  type Condition,
  type Rule,
  type RuleFile,
} from './schema.js';
import type { CompiledCondition, CompiledRule, RuleLoadError, RuleSet } from './types.js';

/** src/audit/ and dist/audit/ are both two levels below the package root. */
export const SHIPPED_RULES_DIR = fileURLToPath(new URL('../../signatures/fork-risk/', import.meta.url));

const validators = weakLazy(() => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return { file: ajv.compile(RuleFileSchema), rule: ajv.compile(RuleSchema) };
});

export interface LoadRulesOptions {
  /** Extra files or directories (config `audit.rules.paths`), loaded after the shipped rules. */
  paths?: string[];
  /** Include the shipped rules (default true). */
  shipped?: boolean;
}

export function loadRules(opts: LoadRulesOptions = {}): RuleSet {
  const roots = [...(opts.shipped === false ? [] : [SHIPPED_RULES_DIR]), ...(opts.paths ?? [])];
  const errors: RuleLoadError[] = [];
  const files: string[] = [];
  const byId = new Map<string, CompiledRule>();
  for (const root of roots) {
    const found = listDataFiles(root);
    if (!found.ok) errors.push(fileError(root, null, found.message));
    for (const file of found.ok ? found.value : []) {
      files.push(file);
      const one = readRuleFile(file);
      errors.push(...one.errors);
      for (const rule of one.rules) {
        byId.delete(rule.id); // an override takes the override's place
        byId.set(rule.id, rule);
      }
    }
  }
  const rules = [...byId.values()].filter((r) => !r.disabled);
  return { rules, errors, files };
}

export function readRuleFile(path: string): { rules: CompiledRule[]; errors: RuleLoadError[] } {
  const text = readDataText(path);
  return text.ok ? parseRuleText(text.value, path) : { rules: [], errors: [fileError(path, null, text.message)] };
}

/** Parse and validate one rule file's text; `path` names it in errors and in each rule's file. */
export function parseRuleText(text: string, path: string): { rules: CompiledRule[]; errors: RuleLoadError[] } {
  const parsed = parseDataText(text, path);
  if (!parsed.ok) return { rules: [], errors: [fileError(path, null, parsed.message)] };
  const data = parsed.value;
  const validateFile = validators().file;
  if (!validateFile(data)) return { rules: [], errors: schemaErrors(path, null, null, validateFile.errors ?? []) };
  const file = data as RuleFile;
  const major = Number(file.version.split('.')[0]);
  if (major !== SUPPORTED_MAJOR) {
    return {
      rules: [],
      errors: [
        fileError(
          path,
          'version',
          `version "${file.version}": this forkwatch reads fork-risk rule files of major version ${SUPPORTED_MAJOR} only`,
        ),
      ],
    };
  }
  const rules: CompiledRule[] = [];
  const errors: RuleLoadError[] = [];
  const seen = new Set<string>();
  file.rules.forEach((raw, index) => {
    const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : null;
    const one = compileRule(raw, path, index, id, file.version);
    if (id && seen.has(id))
      errors.push({ path, rule: index, id, key: `rules[${index}].id`, message: `duplicate id "${id}" in this file` });
    else if ('rule' in one) rules.push(one.rule);
    else errors.push(...one.errors);
    if (id) seen.add(id);
  });
  return { rules, errors };
}

function compileRule(
  raw: unknown,
  path: string,
  index: number,
  id: string | null,
  version: string,
): { rule: CompiledRule } | { errors: RuleLoadError[] } {
  const validateRule = validators().rule;
  if (!validateRule(raw))
    return { errors: schemaErrors(path, index, id, branchErrors(raw, validateRule.errors ?? [])) };
  const r = raw as Rule;
  const errors: RuleLoadError[] = [];
  const when = r.when.map((c, i) =>
    compileCondition(c, (message) =>
      errors.push({ path, rule: index, id: r.id, key: `rules[${index}].when[${i}].pattern`, message }),
    ),
  );
  if (errors.length > 0) return { errors };
  return { rule: { ...r, when, file: path, fileVersion: version } };
}

function compileCondition(c: Condition, fail: (message: string) => void): CompiledCondition {
  const source = 'pattern' in c ? c.pattern : c.kind === 'os' ? c.id : undefined;
  if (source === undefined) return { ...c, re: null };
  try {
    return { ...c, re: compileSafeRegex(source, { maxInput: 4096 }) };
  } catch (err) {
    if (!(err instanceof UnsafeRegexError)) throw err;
    fail(`invalid regex ${JSON.stringify(source)}: not a linear-time regular expression, RE2 syntax (${err.reason})`);
    return { ...c, re: null };
  }
}

function fileError(path: string, key: string | null, message: string): RuleLoadError {
  return { path, rule: null, id: null, key, message };
}

/** The condition kinds in the union's order (ConditionSchema.anyOf). */
const CONDITION_KINDS: string[] = ConditionSchema.anyOf.map((b) =>
  String((b.properties.kind as { const: unknown }).const),
);

/** A condition of a known kind is judged against that kind's schema alone, not every member of the union. */
function branchErrors(raw: unknown, errors: readonly ErrorObject[]): ErrorObject[] {
  const when = (raw as { when?: unknown })?.when;
  return errors.filter((e) => {
    const m = /^\/when\/([0-9]+)/.exec(e.instancePath);
    const branch = /\/when\/items\/anyOf\/([0-9]+)\//.exec(e.schemaPath);
    if (!m || !Array.isArray(when)) return true;
    const kind = (when[Number(m[1])] as { kind?: unknown } | undefined)?.kind;
    const wanted = typeof kind === 'string' ? CONDITION_KINDS.indexOf(kind) : -1;
    if (wanted < 0)
      return e.instancePath.endsWith('/kind') || (e.params as { missingProperty?: string }).missingProperty === 'kind'; // say which kinds exist
    return branch ? Number(branch[1]) === wanted : e.keyword !== 'anyOf';
  });
}

/** Ajv's errors → one per key: a missing property names itself; a union of constants says which values it allows. */
function schemaErrors(
  path: string,
  rule: number | null,
  id: string | null,
  errors: readonly ErrorObject[],
): RuleLoadError[] {
  const byKey = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const missing = e.keyword === 'required' ? `/${(e.params as { missingProperty: string }).missingProperty}` : '';
    const k = e.instancePath + missing;
    byKey.set(k, [...(byKey.get(k) ?? []), e]);
  }
  const out: RuleLoadError[] = [];
  for (const [pointer, group] of byKey) {
    const consts = group
      .filter((e) => e.keyword === 'const')
      .map((e) => JSON.stringify((e.params as { allowedValue: unknown }).allowedValue));
    const messages =
      consts.length > 0 && group.every((e) => e.keyword === 'const' || e.keyword === 'anyOf')
        ? [`must be one of ${consts.join(', ')}`]
        : [...new Set(group.filter((e) => e.keyword !== 'anyOf' || group.length === 1).map(messageOf))];
    for (const message of messages) out.push({ path, rule, id, key: keyOf(rule, pointer), message });
  }
  return out;
}

function messageOf(e: ErrorObject): string {
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'additionalProperties')
    return `unknown key "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  return e.message ?? 'invalid';
}

function keyOf(rule: number | null, pointer: string): string {
  const at = pointerToKey(pointer);
  const full = rule === null ? at : `rules[${rule}]${at === '' || at.startsWith('[') ? at : `.${at}`}`;
  return full || '(file)';
}

/** One line per problem, naming file and key: what the CLI prints before exit 78. */
export function formatRuleErrors(errors: readonly RuleLoadError[]): string {
  return errors
    .map((e) => `${e.path}: ${e.key ?? '(file)'}${e.id ? ` (rule "${e.id}")` : ''}: ${e.message}`)
    .join('\n');
}
