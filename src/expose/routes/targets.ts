/** GET /api/v1/targets and GET /api/v1/children: what the last scan saw (per-child detail lives here, not in metrics). */
import { Type } from '@sinclair/typebox';
import type { ChildReport, TargetProcess } from '../../classify/types.js';
import type { ProcessInfo } from '../../scan/types.js';
import type { ExtensionContext, ForkwatchApp } from '../../extension/context.js';
import { errorResponses, Nullable } from '../schemas.js';

const MAX_CMDLINE_CHARS = 4096;

const ProcessSchema = Type.Object({
  pid: Type.Integer(),
  ppid: Type.Integer(),
  startTime: Type.String({ description: 'ISO 8601' }),
  startTimeMs: Type.Number(),
  state: Type.String(),
  threads: Type.Integer(),
  uid: Nullable(Type.Integer()),
  comm: Type.String(),
  cmdline: Type.String({ description: 'arguments joined by spaces, capped' }),
  exe: Nullable(Type.String()),
  wchan: Nullable(Type.String()),
});

const TargetsResponse = Type.Object({
  scannedAt: Nullable(Type.String()),
  targets: Type.Array(
    Type.Object({
      name: Type.String(),
      found: Type.Boolean(),
      processes: Type.Array(Type.Composite([ProcessSchema, Type.Object({ user: Nullable(Type.String()) })])),
    }),
  ),
});

const ChildClassSchema = Type.Union([Type.Literal('never-execed'), Type.Literal('execed'), Type.Literal('zombie')]);

const ChildSchema = Type.Object({
  target: Type.Object({ name: Type.String(), pid: Type.Integer(), startTimeMs: Type.Number() }),
  process: ProcessSchema,
  depth: Type.Integer(),
  classification: ChildClassSchema,
  ageSeconds: Type.Number(),
  overdue: Type.Boolean(),
  overdueSince: Nullable(Type.String()),
});

const ChildrenQuery = Type.Object(
  {
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' })),
    classification: Type.Optional(ChildClassSchema),
    overdue: Type.Optional(Type.Boolean()),
    limit: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
  },
  { additionalProperties: false },
);

const ChildrenResponse = Type.Object({
  scannedAt: Nullable(Type.String()),
  total: Type.Integer(),
  children: Type.Array(ChildSchema),
});

export function toProcessView(p: ProcessInfo) {
  return {
    pid: p.pid,
    ppid: p.ppid,
    startTime: new Date(p.startTimeMs).toISOString(),
    startTimeMs: p.startTimeMs,
    state: p.stateCode,
    threads: p.threads,
    uid: p.uid,
    comm: p.comm,
    cmdline: p.cmdline.toString('utf8').replace(/\0+$/, '').replace(/\0/g, ' ').slice(0, MAX_CMDLINE_CHARS),
    exe: p.exe,
    wchan: p.wchan ?? null,
  };
}

function toTargetView(ctx: ExtensionContext, found: TargetProcess[], missing: string[]) {
  const names = [...new Set([...ctx.config.targets.map((t) => t.name), ...found.map((t) => t.name), ...missing])];
  return names.map((name) => {
    const processes = found.filter((t) => t.name === name).map((t) => ({ ...toProcessView(t.process), user: t.user }));
    return { name, found: processes.length > 0, processes };
  });
}

function toChildView(c: ChildReport) {
  return {
    target: c.target,
    process: toProcessView(c.child),
    depth: c.depth,
    classification: c.classification,
    ageSeconds: Math.round(c.ageMs / 100) / 10,
    overdue: c.overdue,
    overdueSince: c.overdueSince === null ? null : new Date(c.overdueSince).toISOString(),
  };
}

export function registerTargetRoutes(app: ForkwatchApp, ctx: ExtensionContext): void {
  app.get(
    '/api/v1/targets',
    { schema: { tags: ['scan'], response: { 200: TargetsResponse, ...errorResponses } } },
    async () => {
      const r = ctx.daemon.snapshot().lastReport;
      return {
        scannedAt: r ? new Date(r.at).toISOString() : null,
        targets: toTargetView(ctx, r?.targets ?? [], r?.missingTargets ?? []),
      };
    },
  );
  app.get(
    '/api/v1/children',
    { schema: { tags: ['scan'], querystring: ChildrenQuery, response: { 200: ChildrenResponse, ...errorResponses } } },
    async (req) => {
      const r = ctx.daemon.snapshot().lastReport;
      const q = req.query;
      const all = (r?.children ?? []).filter(
        (c) =>
          (q.target === undefined || c.target.name === q.target) &&
          (q.classification === undefined || c.classification === q.classification) &&
          (q.overdue === undefined || c.overdue === q.overdue),
      );
      return {
        scannedAt: r ? new Date(r.at).toISOString() : null,
        total: all.length,
        children: all.slice(0, q.limit).map(toChildView),
      };
    },
  );
}
