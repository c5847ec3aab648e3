/** The API's one error shape, {statusCode, error, message}: no stack traces, no internals. */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { IncidentNotFoundError, IncidentStateError, InvalidCursorError, StoreInputError } from '../record/errors.js';
import type { ForkwatchApp } from '../extension/context.js';
import type { Incident, IncidentStore } from '../record/types.js';

export const ErrorSchema = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
  },
  { $id: 'Error', description: 'Every error response has this shape.' },
);

/** An error a route means the client to see (status and message). */
export class HttpError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.statusCode = statusCode;
  }
}

/** The incident a route's `:id` names, or a 404 (the id echoed, capped). */
export function incidentOr404(store: IncidentStore, id: string): Incident {
  const incident = store.get(id);
  if (!incident) throw new HttpError(404, `no incident ${JSON.stringify(id.slice(0, 64))}`);
  return incident;
}

export function errorBody(statusCode: number, message: string) {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/** Status for errors thrown by the store and by Fastify itself. */
function statusOf(err: FastifyError | Error): number {
  if (err instanceof IncidentNotFoundError) return 404;
  if (err instanceof InvalidCursorError || err instanceof StoreInputError) return 400;
  if (err instanceof IncidentStateError) return 409;
  if ((err as FastifyError).validation) return 400;
  const code = (err as FastifyError).statusCode;
  return typeof code === 'number' && code >= 400 && code < 600 ? code : 500;
}

export function installErrorHandlers(app: ForkwatchApp): void {
  app.setErrorHandler((err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    const statusCode = statusOf(err);
    if (statusCode >= 500) req.log.error({ err }, 'request failed');
    else req.log.debug({ err: { message: err.message, code: (err as FastifyError).code } }, 'request rejected');
    const message = statusCode >= 500 ? 'internal error (see the forkwatch log)' : err.message;
    if (statusCode === 401) reply.header('www-authenticate', 'Bearer realm="forkwatch"');
    return reply.status(statusCode).send(errorBody(statusCode, message));
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!.slice(0, 200);
    return reply.status(404).send(errorBody(404, `no route ${req.method} ${path}`));
  });
}
