/**
 * CPU time spent by this process while `fn` runs, in ms. The linear-time checks
 * (regex, redaction, matcher, parsers) measure this rather than wall time: wall
 * time also counts the turns other processes get on a shared, loaded box
 * (test files run in parallel), CPU time counts only the work done, so the
 * budget stays a statement about the algorithm. Synchronous `fn` only.
 */
export function cpuMs<T>(fn: () => T): { value: T; ms: number } {
  const before = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(before);
  return { value, ms: (used.user + used.system) / 1000 };
}
