/**
 * One render shared by every request for a moment. A page render reads the
 * API in process (app.inject, better-sqlite3: synchronous) and so holds the
 * event loop for its whole length (~40 ms with 1,000 open incidents); under a
 * flood of page views (200 connections on `/`) one render per request would
 * starve /healthz and grow the heap (bench/RESULTS.md "http GET load"). So
 * requests that arrive during a render wait for it, and its result serves
 * requests for maxAgeMs after, unless the version (the last tick's time)
 * moved: a new scan is shown at once, and a flood costs one render a second.
 */
export function sharedRender<T>(build: () => Promise<T>, opts: { maxAgeMs: number; version: () => unknown; now?: () => number }): () => Promise<T> {
  const now = opts.now ?? Date.now;
  let inFlight: Promise<T> | null = null;
  let last: { value: T; at: number; version: unknown } | null = null;
  return () => {
    if (inFlight) return inFlight;
    const version = opts.version();
    if (last && now() - last.at < opts.maxAgeMs && Object.is(last.version, version)) return Promise.resolve(last.value);
    const startedAt = now();
    const p = build().then(
      (value) => {
        last = { value, at: startedAt, version };
        inFlight = null;
        return value;
      },
      (err: unknown) => {
        inFlight = null;
        throw err;
      },
    );
    inFlight = p;
    return p;
  };
}
