/**
 * GET /api/v1/notifications: the outbox as operators need it, pending and
 * dead-lettered notifications first of all (state=undelivered, the default),
 * with per-sink stats. Never a webhook URL: rows hold only sink names, and
 * errors/responses were redacted before they were stored.
 */
import { Type } from '@sinclair/typebox';
import type { ExtensionContext, ForkwatchApp } from '../extension/context.js';
import { errorResponses, Nullable } from '../expose/schemas.js';
import type { OutboxItem, OutboxState } from '../record/index.js';
import { encodeCursor } from '../record/cursor.js';

const QuerySchema = Type.Object(
  {
    state: Type.Union(
      ['undelivered', 'pending', 'dead', 'sent', 'all'].map((s) => Type.Literal(s)),
      {
        default: 'undelivered',
        description: 'undelivered: pending and dead-lettered (default)',
      },
    ),
    sink: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page' }),
    ),
  },
  { additionalProperties: false },
);

const NotificationSchema = Type.Object({
  id: Type.Integer(),
  incidentId: Type.String(),
  transition: Type.String(),
  sink: Type.String(),
  state: Type.String(),
  createdAt: Type.Number(),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Number(),
  sentAt: Nullable(Type.Number()),
  lastError: Nullable(Type.String()),
  response: Nullable(Type.String()),
  incident: Type.Object({
    host: Type.String(),
    targetName: Type.String(),
    childPid: Type.Integer(),
    state: Type.String(),
    signatureId: Nullable(Type.String()),
  }),
});

const PageSchema = Type.Object({
  items: Type.Array(NotificationSchema),
  nextCursor: Nullable(Type.String()),
  stats: Type.Array(
    Type.Object({
      sink: Type.String(),
      pending: Type.Integer(),
      oldestPendingAgeMs: Type.Number(),
      dead: Type.Integer(),
    }),
  ),
});

/** Rows scanned at most per request when filtering 'undelivered' (the rest comes with the cursor). */
const MAX_SCAN = 5000;

export function registerNotificationRoutes(app: ForkwatchApp, ctx: ExtensionContext): void {
  app.get(
    '/api/v1/notifications',
    { schema: { tags: ['notifications'], querystring: QuerySchema, response: { 200: PageSchema, ...errorResponses } } },
    async (req) => {
      const { state, sink, limit, cursor } = req.query;
      const page =
        state === 'undelivered'
          ? listUndelivered(ctx, sink, limit, cursor ?? null)
          : ctx.store.listNotifications({
              limit,
              cursor: cursor ?? null,
              ...(sink ? { sink } : {}),
              ...(state !== 'all' ? { state: state as OutboxState } : {}),
            });
      return { items: page.items.map(toView), nextCursor: page.nextCursor, stats: ctx.store.outboxStats(Date.now()) };
    },
  );
}

/** Newest first, sent rows skipped; the cursor is the store's own (ids below the last row returned). */
function listUndelivered(ctx: ExtensionContext, sink: string | undefined, limit: number, cursor: string | null) {
  const items: OutboxItem[] = [];
  let next = cursor;
  let scanned = 0;
  for (;;) {
    const page = ctx.store.listNotifications({ limit: 1000, cursor: next, ...(sink ? { sink } : {}) });
    for (const [i, item] of page.items.entries()) {
      scanned += 1;
      if (item.state !== 'sent') items.push(item);
      if (items.length === limit) {
        const more = i < page.items.length - 1 || page.nextCursor !== null;
        return { items, nextCursor: more ? encodeCursor([item.id]) : null };
      }
    }
    if (page.nextCursor === null) return { items, nextCursor: null };
    next = page.nextCursor;
    // Bounded work per request: a short page with a cursor still means "more may follow".
    if (scanned >= MAX_SCAN) return { items, nextCursor: next };
  }
}

function toView(i: OutboxItem) {
  return {
    id: i.id,
    incidentId: i.incidentId,
    transition: i.transition,
    sink: i.sink,
    state: i.state,
    createdAt: i.createdAt,
    attempts: i.attempts,
    nextAttemptAt: i.nextAttemptAt,
    sentAt: i.sentAt,
    lastError: i.lastError,
    response: i.response,
    incident: {
      host: i.incident.host,
      targetName: i.incident.targetName,
      childPid: i.incident.childPid,
      state: i.incident.state,
      signatureId: i.incident.signatureId,
    },
  };
}
