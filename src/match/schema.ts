/**
 * The schema of a signature library file (YAML or JSON). One place; the
 * loader validates every file against it, then compiles each regex.
 * docs/signatures.md describes it for people.
 */
import { Type, type Static } from '@sinclair/typebox';

const Regex = Type.String({ minLength: 1, maxLength: 512 });
const ListName = Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' });

/** The roles a vocabulary list can play (docs/signatures.md, "The vocabulary"). */
export const VOCABULARY_ROLES = [
  'lock',
  'primitive',
  'cond',
  'not-lock',
  'fork',
  'prepare',
  'child',
  'locking-call',
  'internal',
  'lock-word',
  'not-lock-word',
] as const;

export const VocabularyListSchema = Type.Object(
  {
    role: Type.Union(VOCABULARY_ROLES.map((r) => Type.Literal(r))),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    names: Type.Array(Regex, { minItems: 1, maxItems: 200 }),
  },
  { additionalProperties: false },
);

export const FramePatternSchema = Type.Object(
  {
    fn: Type.Optional(Regex),
    vocab: Type.Optional(Type.Array(ListName, { minItems: 1, maxItems: 16 })),
    module: Type.Optional(Regex),
    args: Type.Optional(Regex),
    code: Type.Optional(Regex),
    source: Type.Optional(Regex),
    unnamed: Type.Optional(Type.Boolean()),
    maxGap: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    optional: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const SignatureRuleSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    frames: Type.Array(FramePatternSchema, { minItems: 1, maxItems: 16 }),
    withinTop: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    belowFork: Type.Optional(Type.Boolean()),
    singleThreaded: Type.Optional(Type.Boolean()),
    multiThreaded: Type.Optional(Type.Boolean()),
    forkedChild: Type.Optional(Type.Boolean()),
    lockWait: Type.Optional(Type.Boolean()),
    condWait: Type.Optional(Type.Boolean()),
    noReleaser: Type.Optional(Type.Boolean()),
    sampledThroughout: Type.Optional(Type.Boolean()),
    ownerGone: Type.Optional(Type.Boolean()),
    unless: Type.Optional(Regex),
    unlessVocab: Type.Optional(Type.Array(ListName, { minItems: 1, maxItems: 16 })),
  },
  { additionalProperties: false },
);

export const SignatureEntrySchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$' }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.String({ minLength: 1, maxLength: 8000 }),
    severity: Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')]),
    references: Type.Array(
      Type.Object(
        {
          title: Type.String({ minLength: 1, maxLength: 200 }),
          url: Type.Optional(Type.String({ pattern: '^https?://' })),
        },
        { additionalProperties: false },
      ),
      { default: [], maxItems: 50 },
    ),
    rules: Type.Array(SignatureRuleSchema, { minItems: 1, maxItems: 16 }),
    generic: Type.Optional(Type.Boolean()),
    supersedes: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$' }), { maxItems: 32 })),
  },
  { additionalProperties: false },
);

export const SignatureFileSchema = Type.Object(
  {
    version: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Number()]),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    vocabulary: Type.Optional(Type.Record(ListName, Type.Unknown())),
    signatures: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 1000 })),
  },
  { additionalProperties: false },
);

export type SignatureEntry = Static<typeof SignatureEntrySchema>;
export type SignatureFile = Static<typeof SignatureFileSchema>;
export type VocabularyListEntry = Static<typeof VocabularyListSchema>;

/** Ids forkwatch itself uses as the `signature` label: a library may not take them. */
export const RESERVED_IDS = new Set(['unknown', 'proven_blocked', 'proven-blocked', 'none']);
