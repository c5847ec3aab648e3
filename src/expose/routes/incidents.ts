/** GET /api/v1/incidents (filters, limit + cursor) and GET /api/v1/incidents/:id (with evidence). */
import { Type } from '@sinclair/typebox';
import type { ListQuery } from '../../record/types.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ExtensionContext, ForkwatchApp } from '../../extension/context.js';
import { HttpError, incidentOr404 } from '../errors.js';
import { errorResponses, IdParams, IncidentPageSchema, IncidentSchema } from '../schemas.js';
import { isInProcess } from '../guard.js';
import { createResponseCache } from '../response-cache.js';

/** Target names (config schema) and signature ids share this alphabet. */
const NAME_PATTERN = '^[A-Za-z0-9_.:-]+$';

const ListQuerySchema = Type.Object(
  {
    state: Type.Optional(
      Type.Union(['open', 'suspect', 'confirmed', 'remediated', 'resolved'].map((s) => Type.Literal(s))),
    ),
    target: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, pattern: NAME_PATTERN, description: 'target name' }),
    ),
    signature: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: NAME_PATTERN,
        description: 'signature id, proven_blocked or unknown',
      }),
    ),
    since: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description: 'ISO 8601 time or ms since the epoch: incidents opened at or after',
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page' }),
    ),
  },
  { additionalProperties: false },
);

export function parseSince(text: string): number {
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw new HttpError(
      400,
      `querystring/since must be an ISO 8601 time or ms since the epoch, got ${JSON.stringify(text)}`,
    );
  return ms;
}

/** How long one list answer may serve again (bench/RESULTS.md "http GET load"; response-cache.ts). */
export const LIST_CACHE_MAX_AGE_MS = 1000;
/** At most this much kept in all (a default page of 50 is tens of KB; a page of 1,000 is not kept). */
export const LIST_CACHE_MAX_BYTES = 512 * 1024;

export function registerIncidentRoutes(app: ForkwatchApp, ctx: ExtensionContext): void {
  const cache = createResponseCache({
    maxAgeMs: LIST_CACHE_MAX_AGE_MS,
    maxEntries: 16,
    maxBytes: LIST_CACHE_MAX_BYTES,
    version: () => listVersion(app, ctx),
  });
  // Network clients only: the status page reads in process and has its own shared render.
  const keyOf = (req: FastifyRequest): string | null =>
    isInProcess(req) ? null : `${req.authorized ? 'a' : 'p'} ${req.url}`;
  app.get(
    '/api/v1/incidents',
    {
      schema: {
        tags: ['incidents'],
        querystring: ListQuerySchema,
        response: { 200: IncidentPageSchema, ...errorResponses },
      },
      onSend: async (req, reply, payload) => {
        const key = keyOf(req);
        if (key !== null && reply.statusCode === 200 && typeof payload === 'string')
          cache.put(key, Buffer.from(payload));
        return payload;
      },
    },
    async (req, reply) => {
      const key = keyOf(req);
      const kept = key === null ? null : cache.get(key);
      // A Buffer: sent as is (no serialisation, no onSend put).
      if (kept) return (reply as FastifyReply).type('application/json; charset=utf-8').send(kept);
      const q = req.query;
      const query: ListQuery = { limit: q.limit };
      if (q.state) query.state = q.state as ListQuery['state'];
      if (q.target) query.target = q.target;
      if (q.signature) query.signature = q.signature;
      if (q.since) query.since = parseSince(q.since);
      if (q.cursor) query.cursor = q.cursor;
      return ctx.store.list(query);
    },
  );

  app.get(
    '/api/v1/incidents/:id',
    { schema: { tags: ['incidents'], params: IdParams, response: { 200: IncidentSchema, ...errorResponses } } },
    async (req) => {
      const incident = incidentOr404(ctx.store, req.params.id);
      return incident;
    },
  );
}

/** What the list can have changed with: a finished tick, a write request (null while a tick runs: nothing is kept then). */
function listVersion(app: ForkwatchApp, ctx: ExtensionContext): string | null {
  const s = ctx.daemon.snapshot();
  return s.tickInFlight ? null : `${s.lastTick?.at ?? 'none'} ${app.writesDone?.() ?? 0}`;
}
