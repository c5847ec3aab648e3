/**
 * The Node flags the daemon runs with, in one place. Every launcher passes
 * exactly these on node's command line (package.json `start`,
 * deploy/systemd/forkwatch.service, deploy/smf/forkwatch-method.sh, the
 * Dockerfile's ENTRYPOINT; test/deploy/node-flags.test.ts holds them to it),
 * the test helper and the benchmark import them, and `forkwatch run` warns
 * when they are missing. The first three are allowed in NODE_OPTIONS too;
 * node refuses the other four there, so they go on the command line.
 *
 * Why (bench/RESULTS.md, "daemon"): V8's defaults suit a busy server, not a
 * daemon with ~20 MB of live heap that ticks every 15 s.
 * - --v8-pool-size=1: one V8 worker thread instead of one per core (4 at
 *   most). Each worker keeps its own glibc malloc arena of compiler and GC
 *   scratch: 6 MB of the steady RSS.
 * - --max-semi-space-size=1: the young generation stays at 1 MB semi-spaces
 *   instead of growing to 16 MB under the start-up burst (route schema
 *   compilation, the first discovery) and shrinking back slowly: the peak
 *   RSS drops by ~14 MB; more scavenges, each tiny.
 * - --expose-gc: one major GC after each full discovery scan (heap.ts), so
 *   the old generation does not creep up between V8's own collections.
 * - --bytecode-old-age=1 --flush-baseline-code: a function not run between
 *   two major GCs loses its bytecode (and its Sparkplug code, which
 *   otherwise pins the bytecode), to be compiled again if it ever runs:
 *   start-up code (config, schemas, routes, migrations) stops occupying the
 *   heap. 3.5-4 MB of steady RSS at 10,000 processes; neither alone helps;
 *   no measurable cost per tick or per /metrics scrape.
 * - --compact-on-every-full-gc: each major GC also defragments the old
 *   generation, so the heap V8 keeps committed follows what is live
 *   instead of creeping up by ~0.15 MB a minute under scrapes and scans.
 * - --heap-growing-percent=50: after a major GC the old generation may grow
 *   by half of what was live before the next one, instead of by V8's own
 *   factor, which rises with the allocation rate: under 200 connections
 *   (bench/RESULTS.md "http GET load") the heap reached 68-148 MB with
 *   25-35 MB live, and 40-46 MB with the flag. 10 % kept the same heap but
 *   cost more RSS and /healthz latency (major GCs, each compacting, came
 *   too often). No cost per tick or per scrape within the noise.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = [
  '--v8-pool-size=1',
  '--max-semi-space-size=1',
  '--expose-gc',
  '--bytecode-old-age=1',
  '--flush-baseline-code',
  '--compact-on-every-full-gc',
  '--heap-growing-percent=50',
];

/** The daemon's flags absent from this process's node command line and NODE_OPTIONS. */
export function missingNodeFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].map(normalizeFlag));
  return DAEMON_NODE_FLAGS.filter((f) => !given.has(normalizeFlag(f)));
}

/** V8 accepts --max_semi_space_size as well as --max-semi-space-size. */
function normalizeFlag(flag: string): string {
  const eq = flag.indexOf('=');
  const name = eq < 0 ? flag : flag.slice(0, eq);
  return name.replace(/_/g, '-') + (eq < 0 ? '' : flag.slice(eq));
}
