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

export function createResponseCache(opts: { maxAgeMs: number; maxEntries: number; version: () => unknown; now?: () => number }): ResponseCache {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { body: Buffer; at: number; version: unknown }>();
  return {
    get(key) {
      const e = entries.get(key);
      if (!e) return null;
      const version = opts.version();
      if (version === null || !Object.is(version, e.version) || now() - e.at >= opts.maxAgeMs) {
        entries.delete(key);
        return null;
      }
      return e.body;
    },
    put(key, body) {
      const version = opts.version();
      if (version === null) return;
      if (!entries.has(key) && entries.size >= opts.maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, { body, at: now(), version });
    },
  };
}
