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
export interface SharedRender<T> {
  (): Promise<T>;
  /** The last render if it may still serve (no render running, fresh, same version), else null: no promise. */
  kept(): T | null;
}

export function sharedRender<T>(
  build: () => Promise<T>,
  opts: { maxAgeMs: number; version: () => unknown; now?: () => number },
): SharedRender<T> {
  const now = opts.now ?? Date.now;
  let inFlight: Promise<T> | null = null;
  let last: { value: T; at: number; version: unknown } | null = null;
  const fresh = (version: unknown): boolean =>
    last !== null && now() - last.at < opts.maxAgeMs && Object.is(last.version, version);
  const kept = (): T | null => (inFlight === null && last !== null && fresh(opts.version()) ? last.value : null);
  const get = (): Promise<T> => {
    if (inFlight) return inFlight;
    const version = opts.version();
    if (last && fresh(version)) return Promise.resolve(last.value);
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
  return Object.assign(get, { kept });
}
