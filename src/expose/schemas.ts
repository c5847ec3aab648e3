/** TypeBox schemas shared by the API routes (and the OpenAPI document). */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ErrorSchema } from './errors.js';

/**
 * `T | null` as `type: [T, "null"]`, not anyOf: fast-json-stringify must run
 * an ajv check per value to pick an anyOf branch, which cost ~400 µs per
 * 50-incident page (bench/RESULTS.md "http"). Only for primitive types.
 */
export const Nullable = <T extends TSchema>(t: T) => {
  // JSON round trip: plain keys only (TypeBox's Kind symbol must not say "String" for a nullable).
  const { type, ...rest } = JSON.parse(JSON.stringify(t)) as { type: string } & Record<string, unknown>;
  return Type.Unsafe<Static<T> | null>({ ...rest, type: [type, 'null'] });
};

export const IncidentStateSchema = Type.Union(
  ['suspect', 'confirmed', 'remediated', 'resolved'].map((s) => Type.Literal(s)),
);

export const IncidentSummarySchema = Type.Object(
  {
    id: Type.String(),
    key: Type.String(),
    host: Type.String(),
    targetName: Type.String(),
    targetPid: Type.Integer(),
    targetStartMs: Type.Number(),
    targetUser: Nullable(Type.String()),
    childPid: Type.Integer(),
    childStartMs: Type.Number(),
    state: IncidentStateSchema,
    openedAt: Type.Number(),
    confirmedAt: Nullable(Type.Number()),
    remediatedAt: Nullable(Type.Number()),
    resolvedAt: Nullable(Type.Number()),
    resolvedReason: Nullable(Type.String()),
    lastSeenAt: Type.Number(),
    overdueSince: Nullable(Type.Number()),
    signatureId: Nullable(Type.String()),
    signatureTitle: Nullable(Type.String()),
    signatureVersion: Nullable(Type.String()),
    severity: Nullable(Type.String()),
    fingerprint: Nullable(Type.String()),
    jenkinsJob: Nullable(Type.String()),
    forkingThread: Type.Unknown({ description: 'the JVM thread that forked the child, or null' }),
  },
  { additionalProperties: true },
);

export const IncidentSchema = Type.Composite(
  [
    IncidentSummarySchema,
    Type.Object({
      evidence: Type.Unknown({
        description: 'stackRaw, stack (parsed threads and frames), matches, kernel samples, process facts, capture',
      }),
      audit: Type.Array(Type.Unknown()),
    }),
  ],
  { additionalProperties: true },
);

export const IncidentPageSchema = Type.Object({
  items: Type.Array(IncidentSummarySchema),
  nextCursor: Nullable(Type.String()),
});

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });

export const errorResponses = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  429: ErrorSchema,
  500: ErrorSchema,
};
