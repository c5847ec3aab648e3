/**
 * The schema of a signature library file (YAML or JSON). One place; the
 * loader validates every file against it, then compiles each regex.
 * docs/signatures.md describes it for people.
 */
import { Type, type Static } from '@sinclair/typebox';

const Regex = Type.String({ minLength: 1, maxLength: 512 });

export const FramePatternSchema = Type.Object(
  {
    fn: Type.Optional(Regex),
    module: Type.Optional(Regex),
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
    unless: Type.Optional(Regex),
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
        { title: Type.String({ minLength: 1, maxLength: 200 }), url: Type.Optional(Type.String({ pattern: '^https?://' })) },
        { additionalProperties: false },
      ),
      { default: [], maxItems: 50 },
    ),
    rules: Type.Array(SignatureRuleSchema, { minItems: 1, maxItems: 16 }),
    generic: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const SignatureFileSchema = Type.Object(
  {
    version: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Number()]),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    signatures: Type.Array(Type.Unknown(), { maxItems: 1000 }),
  },
  { additionalProperties: false },
);

export type SignatureEntry = Static<typeof SignatureEntrySchema>;
export type SignatureFile = Static<typeof SignatureFileSchema>;

/** Ids forkwatch itself uses as the `signature` label: a library may not take them. */
export const RESERVED_IDS = new Set(['unknown', 'proven_blocked', 'proven-blocked', 'none']);
