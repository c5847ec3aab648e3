/**
 * The schema of a fork-risk rule file (signatures/fork-risk/*.yaml and the
 * user's `audit.rules.paths`). One place; the loader validates every file
 * against it, then compiles each pattern with compileSafeRegex.
 * docs/audit.md describes it for people.
 */
import { Type, type Static } from '@sinclair/typebox';

/** The major versions of the rule format this forkwatch understands. */
export const SUPPORTED_MAJOR = 1;

const Pattern = Type.String({ minLength: 1, maxLength: 512 });

/** The only environment variables the audit ever keeps (their values; no other value is read out). */
export const AUDITED_ENV = [
  'LD_PRELOAD',
  'LD_AUDIT',
  'JAVA_TOOL_OPTIONS',
  'JDK_JAVA_OPTIONS',
  '_JAVA_OPTIONS',
] as const;

const common = {
  /** True: the condition holds when nothing matches (e.g. "no libjvm.so mapped"). */
  absent: Type.Optional(Type.Boolean()),
};

export const ConditionSchema = Type.Union([
  Type.Object({ kind: Type.Literal('library'), pattern: Pattern, ...common }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('argument'), pattern: Pattern, ...common }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal('property'),
      name: Type.String({ minLength: 1, maxLength: 200 }),
      pattern: Type.Optional(Pattern),
      ...common,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('environment'),
      name: Type.Union(AUDITED_ENV.map((n) => Type.Literal(n))),
      pattern: Type.Optional(Pattern),
      ...common,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('atfork-import'),
      object: Type.Union([Type.Literal('executable'), Type.Literal('library')]),
      pattern: Type.Optional(Pattern),
      ...common,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('threads'), atLeast: Type.Integer({ minimum: 1, maximum: 10_000_000 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('platform'), is: Type.Union([Type.Literal('linux'), Type.Literal('illumos')]) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('libc'),
      name: Type.Union([Type.Literal('glibc'), Type.Literal('musl')]),
      below: Type.String({ pattern: '^[0-9]{1,4}(\\.[0-9]{1,4}){0,3}$' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('os'),
      id: Pattern,
      below: Type.Optional(Type.String({ pattern: '^[0-9]{1,8}(\\.[0-9]{1,8}){0,3}$' })),
    },
    { additionalProperties: false },
  ),
]);

export const SourceSchema = Type.Object(
  { title: Type.String({ minLength: 1, maxLength: 300 }), url: Type.String({ pattern: '^https://', maxLength: 500 }) },
  { additionalProperties: false },
);

export const RuleSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$' }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    level: Type.Union([Type.Literal('low'), Type.Literal('high')]),
    /** Why these facts make a post-fork deadlock possible. */
    why: Type.String({ minLength: 1, maxLength: 4000 }),
    /** The concrete change that removes the risk. */
    prevention: Type.String({ minLength: 1, maxLength: 2000 }),
    sources: Type.Array(SourceSchema, { minItems: 1, maxItems: 10 }),
    /** Every condition must hold; the first one's evidence leads the reason. */
    when: Type.Array(ConditionSchema, { minItems: 1, maxItems: 8 }),
    /** True: this rule is switched off (a user file may disable a shipped rule by its id). */
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const RuleFileSchema = Type.Object(
  {
    version: Type.String({ pattern: '^[0-9]{1,4}\\.[0-9]{1,4}(\\.[0-9]{1,4})?$' }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    rules: Type.Array(Type.Unknown(), { maxItems: 500 }),
  },
  { additionalProperties: false },
);

export type Condition = Static<typeof ConditionSchema>;
export type Rule = Static<typeof RuleSchema>;
export type RuleFile = Static<typeof RuleFileSchema>;
