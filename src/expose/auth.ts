/**
 * Bearer-token check for mutating endpoints. Compared in constant time: both
 * sides are hashed to equal-length SHA-256 digests, then timingSafeEqual (a
 * plain === leaks the matching prefix length through timing; comparing the raw
 * strings with timingSafeEqual would leak their length).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { HttpError } from './errors.js';

export const NO_TOKEN_MESSAGE =
  'this endpoint changes state and needs a bearer token, but none is configured: set auth.token (16+ characters) or auth.tokenFile in the config file, or FORKWATCH_AUTH_TOKEN, then restart forkwatch';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export function tokensEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function presentedToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer[ \t]+(\S{1,4096})[ \t]*$/i.exec(h.slice(0, 4200));
  return m ? m[1]! : null;
}

export function createRequireToken(token: string | null): preHandlerAsyncHookHandler {
  const expected = token;
  return async (req) => {
    if (expected === null) throw new HttpError(403, NO_TOKEN_MESSAGE);
    const presented = presentedToken(req);
    if (presented === null) throw new HttpError(401, 'missing bearer token: send "Authorization: Bearer <token>"');
    if (!tokensEqual(presented, expected)) throw new HttpError(401, 'invalid bearer token');
  };
}
