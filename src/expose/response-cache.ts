/**
 * A GET response's bytes reused for a moment. Building GET /api/v1/incidents
 * reads up to `limit` incidents from the store, redacts them and serialises
 * them: ~1 MB of garbage per default page with 1,000 open incidents, which
 * under a flood (200 connections, 30 answers a second within the rate limit)
 * was most of what V8 collected and what grew the old space between major GCs
 * (bench/RESULTS.md "http GET load"). So an answer is kept, per URL and per
 * disclosure (with or without the token), and served again while the data
 * cannot have changed: the same version (the last finished tick and the count
 * of write requests, routes/incidents.ts), and at most maxAgeMs old. version() returning null (a tick
 * is running) bypasses the cache.
 */
export interface ResponseCache {
  get(key: string): Buffer | null;
  put(key: string, body: Buffer): void;
}

export function createResponseCache(opts: {
  maxAgeMs: number;
  maxEntries: number;
  maxBytes: number;
  version: () => unknown;
  now?: () => number;
}): ResponseCache {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { body: Buffer; at: number; version: unknown }>();
  let bytes = 0;
  const drop = (key: string): void => {
    bytes -= entries.get(key)?.body.length ?? 0;
    entries.delete(key);
  };
  return {
    get(key) {
      const e = entries.get(key);
      if (!e) return null;
      const version = opts.version();
      if (version === null || !Object.is(version, e.version) || now() - e.at >= opts.maxAgeMs) {
        drop(key);
        return null;
      }
      return e.body;
    },
    put(key, body) {
      const version = opts.version();
      if (version === null || body.length > opts.maxBytes) return;
      drop(key);
      // Nothing outlives its moment for long: what is stale goes first, then the oldest, within both bounds.
      for (const [k, e] of entries) if (!Object.is(e.version, version) || now() - e.at >= opts.maxAgeMs) drop(k);
      while (entries.size >= opts.maxEntries || (entries.size > 0 && bytes + body.length > opts.maxBytes))
        drop(entries.keys().next().value!);
      entries.set(key, { body, at: now(), version });
      bytes += body.length;
    },
  };
}
