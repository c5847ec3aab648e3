/**
 * Every request bounded, before any route runs (onRequest hooks, server.ts):
 *
 * - Host allow-list while bound to loopback: a browser page can reach a
 *   loopback port through DNS rebinding (its own name resolving to
 *   127.0.0.1), but it cannot make the browser send a loopback Host. Allowed:
 *   localhost and *.localhost, 127.0.0.1 (any 127/8), [::1], the publicUrl
 *   host; with or without a port. Others get 421 in the one error shape.
 * - A global cap on requests in flight (the cheap probes and in-process
 *   requests excepted): above it, 503 with Retry-After, before any work.
 *   The per-client rate limit is @fastify/rate-limit's (server.ts).
 * - The bearer token is checked here, in onRequest, on protected routes: an
 *   unauthenticated request learns nothing from body validation (401 first).
 */
import { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { tokensEqual } from './auth.js';
import { errorBody } from './errors.js';

/** Outside the in-flight cap and the shared per-client budget (liveness, readiness, Prometheus; /metrics has a bucket of its own, server.ts). */
export const UNLIMITED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** app.inject() from the status page (its data is the API's): no socket, never limited, never trusted with the token. */
export function isInProcess(req: FastifyRequest): boolean {
  return !(req.raw.socket instanceof Socket);
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The host part of a Host header value, lower case, without the port ("[::1]:9710" → "[::1]"). */
export function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.indexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

export function allowedHosts(publicUrl: string | null): (host: string) => boolean {
  let publicHost: string | null = null;
  try {
    publicHost = publicUrl ? new URL(publicUrl).hostname.toLowerCase() : null;
  } catch {
    publicHost = null;
  }
  return (host) =>
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    (publicHost !== null && (host === publicHost || host === `[${publicHost}]`));
}

export function createHostCheck(allowed: (host: string) => boolean) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.host;
    // No Host at all (HTTP/1.0 tools) is not a browser: browsers always send one.
    if (header === undefined) return;
    const host = hostOf(header.slice(0, 300));
    if (allowed(host)) return;
    return reply
      .status(421)
      .send(
        errorBody(
          421,
          `Host ${JSON.stringify(host.slice(0, 100))} is not served here: forkwatch listens on loopback and answers only localhost, 127.0.0.1, [::1] or the publicUrl host (a guard against DNS rebinding)`,
        ),
      );
  };
}

export function createConcurrencyCap(max: number, retryAfterSeconds: number) {
  let inFlight = 0;
  const hook = async (req: FastifyRequest, reply: FastifyReply) => {
    if (isInProcess(req) || UNLIMITED_PATHS.has(req.url.split('?')[0]!)) return;
    if (inFlight >= max) {
      void reply.header('retry-after', String(retryAfterSeconds));
      return reply
        .status(503)
        .send(errorBody(503, `busy: ${max} requests in flight, retry after ${retryAfterSeconds} s`));
    }
    inFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inFlight--;
    };
    req.releaseSlot = release;
    // 'close' fires on the response whether it finished or the client went away.
    reply.raw.once('close', release);
  };
  return { hook, inFlight: () => inFlight };
}

/**
 * A refusal that says "retry after" (429 over the rate limit, 503 over the
 * in-flight cap) is sent at once, and its connection is then not read for
 * pauseMs: a client hammering on keep-alive connections gets one answer per
 * connection per pause instead of thousands a second, so refusing a flood
 * costs the event loop little and /healthz keeps its turn. Holding the answer
 * back instead (as before) kept every refused request's objects alive for the
 * whole delay: 200 connections then promoted ~15 KB per refusal into V8's old
 * space, and the RSS grew with each major GC cycle (bench/RESULTS.md "http GET
 * load"). A paused socket holds nothing but itself; the next request waits in
 * the kernel's buffer. At most maxPending connections are paused at once (a
 * timer each); past that a refusal goes without a pause.
 */
export function createRefusalPause(pauseMs: number, maxPending: number) {
  let pending = 0;
  return async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if ((reply.statusCode !== 429 && reply.statusCode !== 503) || reply.getHeader('retry-after') === undefined)
      return payload;
    if (isInProcess(req) || pending >= maxPending) return payload;
    const socket = req.raw.socket;
    if (socket.destroyed || socket.isPaused()) return payload;
    socket.pause();
    pending++;
    setTimeout(() => {
      pending--;
      if (!socket.destroyed) socket.resume();
    }, pauseMs).unref();
    return payload;
  };
}

/**
 * Counts finished requests that may have written (anything but GET and HEAD: kill, scan, classify…). The
 * GET answers kept for a moment (response-cache.ts, the page's shared render) carry this count in their
 * version, so a write shows on the very next GET.
 */
export function createWriteCounter() {
  let writes = 0;
  const hook = async (req: FastifyRequest) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') writes++;
  };
  return { hook, count: () => writes };
}

/** Marks requests carrying the valid bearer token (raw evidence is shown to them, disclosure.ts). */
export function createAuthorizedMark(token: string | null) {
  return async (req: FastifyRequest) => {
    const h = req.headers.authorization;
    if (token === null || typeof h !== 'string') return;
    const m = /^Bearer[ \t]+(\S{1,4096})[ \t]*$/i.exec(h.slice(0, 4200));
    if (m && tokensEqual(m[1]!, token)) req.authorized = true;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request carried the configured bearer token. */
    authorized: boolean;
    /** Gives back this request's in-flight slot early (createConcurrencyCap); null when it holds none. */
    releaseSlot: (() => void) | null;
  }
  interface FastifyInstance {
    /** Requests that may have written, finished so far (createWriteCounter); absent on a bare Fastify (the page's tests). */
    writesDone?: () => number;
  }
}
