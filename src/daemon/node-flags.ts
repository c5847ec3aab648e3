/**
 * The Node flags (and, below, the environment) the daemon runs with, in one place. Every launcher passes
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
 *   (Not a flag: --compact-on-every-full-gc, which made every major GC
 *   defragment the whole old generation. heap.ts now sets it only around
 *   its own GC after each full scan, which keeps the committed heap from
 *   creeping; for the whole process it also made V8's own major GCs under a
 *   flood copy the whole old generation, +20-30 MB of RSS for a moment.)
 * - --heap-growing-percent=25: after a major GC the old generation may grow
 *   by a quarter of what was live before the next one, instead of by V8's
 *   own factor, which rises with the allocation rate: under 200 connections
 *   (bench/RESULTS.md "http GET load") the heap reached 68-148 MB with
 *   25-35 MB live, 40-46 MB at 50 %, 35-37 MB at 25 % (once pretenuring
 *   is off, below: at 1.9 MB/s promoted, 10 % had made major GCs, each
 *   compacting, come too often). 15 % kept the same heap as 25 %.
 * - --no-allocation-site-pretenuring: V8 allocates straight into the old
 *   generation from any allocation site whose objects once survived
 *   scavenges in bulk. Under a flood some request-path site got tenured in
 *   about half of the runs, and from then on every request's short-lived
 *   objects went to the old space: 1.5-1.9 MB/s promoted instead of
 *   0.4-0.5, three or four compacting major GCs per 30 s instead of one,
 *   RSS 110-137 MB instead of ~100 (the "bimodal" runs of bench/RESULTS.md).
 *   Without it every run is in the low mode.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = [
  '--v8-pool-size=1',
  '--max-semi-space-size=1',
  '--expose-gc',
  '--bytecode-old-age=1',
  '--flush-baseline-code',
  '--heap-growing-percent=25',
  '--no-allocation-site-pretenuring',
];

/**
 * The environment the daemon runs with, beside its node flags (every launcher
 * sets it; `forkwatch run` warns when it is missing). glibc's malloc keeps
 * freed memory at the top of its heaps for reuse: 128 KiB of padding per
 * extension, and a trim threshold that rises to twice the largest mmapped
 * chunk ever freed (node's 64 KiB socket read buffers move it). Under 200
 * connections that kept 10-20 MB of freed buffers resident after a burst
 * (RssAnon 64 MB with 35 MB of V8 heap); the daemon's idle RSS is 3 MB lower
 * with a fixed 64 KiB threshold and no padding (bench/RESULTS.md "http GET
 * load"). Ignored by musl and by anything that is not glibc; the tracers
 * never see it (their environment is fixed, util/run-boxed.ts).
 */
export const DAEMON_ENV: Readonly<Record<string, string>> = {
  GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=65536:glibc.malloc.top_pad=0',
};

/** The daemon's environment entries that this process's environment lacks or sets otherwise, as NAME=value. */
export function missingDaemonEnv(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(DAEMON_ENV)
    .filter(([name, value]) => env[name] !== value)
    .map(([name, value]) => `${name}=${value}`);
}

/** DAEMON_ENV as `NAME=value` words (systemd Environment=, sh, Dockerfile ENV). */
export function daemonEnvWords(): string[] {
  return Object.entries(DAEMON_ENV).map(([name, value]) => `${name}=${value}`);
}

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
