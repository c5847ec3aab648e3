/** Polling for the live tests: the one wait loop every live test uses. */

/**
 * Calls fn every intervalMs until it returns something truthy (returned) or
 * timeoutMs has passed (throws, naming `what` and fn's last error). A throw
 * from fn counts as "not yet": the daemon may still be starting up.
 */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
