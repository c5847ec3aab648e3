/** GET /api/v1/signatures and POST /api/v1/classify (stack text in, parse and match out). */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { STACK_FORMATS } from '../../capture/parse/index.js';
import { WAIT_KINDS } from '../../match/waits.js';
import type { ExtensionContext, ForkwatchApp } from '../../extension/context.js';
import { HttpError } from '../errors.js';
import { errorResponses, Nullable } from '../schemas.js';

/** A stack dump of a few thousand threads fits; anything larger is not a stack. */
export const DIAGNOSE_BODY_LIMIT = 1024 * 1024;
/** Matching costs threads × frames × rules: the budget a parsed dump must fit (a JVM has a few thousand threads). */
export const DIAGNOSE_MAX_THREADS = 5000;
export const DIAGNOSE_MAX_FRAMES = 100_000;

const SignatureSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  severity: Type.String(),
  references: Type.Array(Type.Object({ title: Type.String(), url: Type.Optional(Type.String()) })),
  generic: Type.Boolean(),
  version: Type.String(),
  source: Type.String(),
  rules: Type.Integer({ description: 'number of rules' }),
});

// JSON only: a text/plain POST is a "simple" cross-site request any web page can send.
const DiagnoseBody = Type.Object(
  {
    stack: Type.String({ maxLength: DIAGNOSE_BODY_LIMIT }),
    forkedChild: Type.Optional(
      Type.Boolean({
        description: "the dump is of a child that forked and never exec'd (as `classify --forked-child`)",
      }),
    ),
  },
  { additionalProperties: false },
);

/** onRequest, before the body is read: anything but application/json is 415. */
async function requireJson(req: FastifyRequest): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new HttpError(
      415,
      `content-type must be application/json with a body {"stack": "..."}, got ${JSON.stringify(type.slice(0, 100) || 'none')}`,
    );
}

function checkBudget(threads: { frames: unknown[] }[]): void {
  if (threads.length > DIAGNOSE_MAX_THREADS)
    throw new HttpError(413, `the stack has ${threads.length} threads: at most ${DIAGNOSE_MAX_THREADS} are classified`);
  const frames = threads.reduce((n, t) => n + t.frames.length, 0);
  if (frames > DIAGNOSE_MAX_FRAMES)
    throw new HttpError(413, `the stack has ${frames} frames: at most ${DIAGNOSE_MAX_FRAMES} are classified`);
}

const DiagnoseResponse = Type.Object({
  format: Type.Union(
    [...STACK_FORMATS, 'unknown'].map((f) => Type.Literal(f)),
    { description: 'the reader that read the dump (lenient: none fitted; see warnings)' },
  ),
  pid: Nullable(Type.Integer()),
  warnings: Type.Array(Type.String()),
  threads: Type.Array(Type.Unknown()),
  match: Type.Object({
    deadlock: Type.Boolean(),
    fingerprint: Type.String(),
    matches: Type.Array(Type.Unknown()),
  }),
  waits: Type.Optional(
    Type.Array(
      Type.Object({
        thread: Type.Integer(),
        kind: Type.Union(WAIT_KINDS.map((k) => Type.Literal(k))),
        frame: Nullable(Type.Integer()),
        name: Nullable(Type.String()),
      }),
      {
        description:
          'when nothing is named a deadlock: what each thread waits on by the vocabulary, and the frame that says so (no verdict of its own)',
      },
    ),
  ),
});

function requireMatcher(ctx: ExtensionContext) {
  if (!ctx.matcher) throw new HttpError(503, 'the signature library is not loaded (see the forkwatch log)');
  return ctx.matcher;
}

export function registerSignatureRoutes(app: ForkwatchApp, ctx: ExtensionContext): void {
  app.get(
    '/api/v1/signatures',
    {
      schema: {
        tags: ['signatures'],
        response: { 200: Type.Object({ signatures: Type.Array(SignatureSchema) }), ...errorResponses },
      },
    },
    async () => {
      const sigs = requireMatcher(ctx).signatures();
      return {
        signatures: sigs.map((s) => ({
          id: s.id,
          title: s.title,
          description: s.description,
          severity: s.severity,
          references: s.references,
          generic: s.generic ?? false,
          version: s.version,
          source: s.source,
          rules: s.rules.length,
        })),
      };
    },
  );
  app.post(
    '/api/v1/classify',
    {
      bodyLimit: DIAGNOSE_BODY_LIMIT,
      onRequest: requireJson,
      config: { rateLimit: ctx.postRateLimit },
      schema: {
        tags: ['signatures'],
        description: `Parse a stack dump (eu-stack, gdb, lldb, gdb info line/symbol, HotSpot mixed-mode, pstack, mdb; anything else with frame-like lines leniently) and match it against the signature library. Body: application/json {"stack": "...", "forkedChild": true|false} only (415 otherwise), at most ${DIAGNOSE_BODY_LIMIT} bytes, ${DIAGNOSE_MAX_THREADS} threads, ${DIAGNOSE_MAX_FRAMES} frames (413). Read-only: no token needed.`,
        body: DiagnoseBody,
        response: {
          200: DiagnoseResponse,
          ...errorResponses,
          413: errorResponses[400],
          415: errorResponses[400],
          503: errorResponses[500],
        },
      },
    },
    async (req) => {
      const matcher = requireMatcher(ctx);
      const text = req.body.stack;
      if (text.trim() === '') throw new HttpError(400, 'body is empty: send the stack dump text');
      const parsed = matcher.parse(text);
      checkBudget(parsed.threads);
      const match = matcher.match(parsed.threads, { forkedChild: req.body.forkedChild === true });
      const waits = match.deadlock ? {} : { waits: matcher.waits(parsed.threads) };
      return {
        format: parsed.format,
        pid: parsed.pid,
        warnings: parsed.warnings,
        threads: parsed.threads,
        match,
        ...waits,
      };
    },
  );
}
