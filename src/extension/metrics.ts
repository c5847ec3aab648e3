/**
 * forkwatch's PRIVATE prom-client Registry (never the global one: tests build
 * many daemons in one process, and a library that registers on the global
 * registry must not leak into /metrics), with the build info, prom-client's
 * default metrics and the metrics of the core stages (scan, classify, capture,
 * match, record, the tick, /proc reads). The contract hands the registry to
 * every extension (ExtensionContext.metrics.registry): each registers its own
 * metrics on it from its own folder (src/alert/metrics.ts, src/bundle/metrics.ts,
 * src/remediate/metrics.ts, src/audit/daemon/metrics.ts) through
 * DaemonExtension.registerMetrics. Names, types and labels are the table in
 * docs/CONTRIBUTING.md; labels stay bounded (no pid, job or timestamp labels).
 */
import type { CaptureBackendName } from '../capture/types.js';
import { procReadCounts, type ReadOutcome } from '../proc/read.js';
import type { SecondLookOutcome } from '../stages/second-look.js';
import { createRequire } from 'node:module';
import { Counter, Gauge, Histogram, Registry, type CounterConfiguration, type GaugeConfiguration } from 'prom-client';
import { VERSION } from '../version.js';

const require = createRequire(import.meta.url);

/**
 * Which of prom-client's default process/Node metrics to serve.
 * 'cheap' (the default) keeps the ones that cost a few syscalls per scrape and
 * drops event-loop lag (its collect() waits for a setImmediate per scrape:
 * design.md measured it cut /metrics throughput ~5x), per-space heap stats,
 * active handles/requests/resources (walk every handle per scrape) and GC
 * histograms. bench/RESULTS.md ("http") has the measurement behind the choice.
 */
export type DefaultMetricsMode = 'cheap' | 'all' | 'none';

/** prom-client's default collectors that are cheap per scrape (see above). */
const CHEAP_DEFAULT_COLLECTORS = [
  'processCpuTotal',
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'heapSizeAndUsed',
  'version',
] as const;

export const CHILD_CLASSIFICATIONS = ['never_execed', 'execed', 'zombie'] as const;
export const SCAN_STAGES = ['scan', 'classify', 'capture', 'match', 'record', 'alert'] as const;
export type ScanStage = (typeof SCAN_STAGES)[number];

export interface Metrics {
  registry: Registry;
  buildInfo: Gauge<'version' | 'node_version'>;
  targetUp: Gauge<'target'>;
  targetProcesses: Gauge<'target'>;
  children: Gauge<'target' | 'classification'>;
  overdueChildren: Gauge<'target'>;
  hungChildren: Gauge<'target' | 'signature'>;
  oldestOverdueChildAge: Gauge<'target'>;
  incidentsOpened: Counter<'signature'>;
  incidentsResolved: Counter<'signature'>;
  scanDuration: Histogram<string>;
  scans: Counter<'outcome'>;
  scanErrors: Counter<'stage'>;
  lastSuccessfulScan: Gauge<string>;
  processesVanished: Counter<string>;
  captures: Counter<'backend' | 'outcome'>;
  captureDuration: Histogram<'backend' | 'outcome'>;
  /** Second looks at lingering never-exec'd children (src/daemon/second-look.ts) by outcome. */
  secondLooks: Counter<'outcome'>;
  /** Reads of /proc files by outcome, since the process started (src/proc/read.ts counts them). */
  procReads: Counter<'outcome'>;
}

const CAPTURE_BACKENDS = ['eu-stack', 'gdb', 'pstack', 'gstack'] as const satisfies readonly CaptureBackendName[];
const CAPTURE_OUTCOMES = ['ok', 'failed', 'timeout', 'refused'] as const;
const SECOND_LOOK_OUTCOMES = ['named', 'nothing', 'gone'] as const satisfies readonly SecondLookOutcome[];
const PROC_READ_OUTCOMES = ['ok', 'gone', 'denied', 'error'] as const satisfies readonly ReadOutcome[];

export function createMetrics(opts: { defaultMetrics?: DefaultMetricsMode } = {}): Metrics {
  const registry = new Registry();
  const m = defineMetrics(registry);
  m.buildInfo.set({ version: VERSION, node_version: process.version }, 1);
  for (const stage of SCAN_STAGES) m.scanErrors.inc({ stage }, 0);
  for (const outcome of ['ok', 'error']) m.scans.inc({ outcome }, 0);
  m.processesVanished.inc(0);
  // Series exist from the start, so increase() in alert rules sees the first failure of each kind.
  for (const backend of CAPTURE_BACKENDS)
    for (const outcome of CAPTURE_OUTCOMES) m.captures.inc({ backend, outcome }, 0);
  for (const outcome of SECOND_LOOK_OUTCOMES) m.secondLooks.inc({ outcome }, 0);
  registerDefaultMetrics(registry, opts.defaultMetrics ?? 'cheap');
  return m;
}

function defineMetrics(registry: Registry): Metrics {
  const reg = { registers: [registry] };
  return {
    registry,
    buildInfo: new Gauge({
      name: 'forkwatch_build_info',
      help: 'Always 1; labels carry the forkwatch and Node.js versions.',
      labelNames: ['version', 'node_version'],
      ...reg,
    }),
    targetUp: new Gauge({
      name: 'forkwatch_target_up',
      help: '1 when the configured target JVM was found by the last scan, 0 when not.',
      labelNames: ['target'],
      ...reg,
    }),
    targetProcesses: new Gauge({
      name: 'forkwatch_target_processes',
      help: 'Processes found for the configured target by the last scan.',
      labelNames: ['target'],
      ...reg,
    }),
    children: new Gauge({
      name: 'forkwatch_children',
      help: 'Descendants of the target by classification at the last scan.',
      labelNames: ['target', 'classification'],
      ...reg,
    }),
    overdueChildren: new Gauge({
      name: 'forkwatch_overdue_children',
      help: "Never-exec'd descendants older than hungAfter at the last scan.",
      labelNames: ['target'],
      ...reg,
    }),
    hungChildren: new Gauge({
      name: 'forkwatch_hung_children',
      help: 'Confirmed hung children (open confirmed incidents) by signature.',
      labelNames: ['target', 'signature'],
      ...reg,
    }),
    oldestOverdueChildAge: new Gauge({
      name: 'forkwatch_oldest_overdue_child_age_seconds',
      help: "Age of the oldest overdue never-exec'd child, 0 when there is none.",
      labelNames: ['target'],
      ...reg,
    }),
    incidentsOpened: new Counter({
      name: 'forkwatch_incidents_opened_total',
      help: 'Incidents confirmed (opened as hung) by signature.',
      labelNames: ['signature'],
      ...reg,
    }),
    incidentsResolved: new Counter({
      name: 'forkwatch_incidents_resolved_total',
      help: 'Confirmed incidents resolved (the child went away) by signature.',
      labelNames: ['signature'],
      ...reg,
    }),
    scanDuration: new Histogram({
      name: 'forkwatch_scan_duration_seconds',
      help: 'Duration of one scan tick (scan to record).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      ...reg,
    }),
    scans: new Counter({
      name: 'forkwatch_scans_total',
      help: 'Scan ticks by outcome (error: some stage failed).',
      labelNames: ['outcome'],
      ...reg,
    }),
    scanErrors: new Counter({
      name: 'forkwatch_scan_errors_total',
      help: 'Stage failures during scan ticks.',
      labelNames: ['stage'],
      ...reg,
    }),
    lastSuccessfulScan: new Gauge({
      name: 'forkwatch_last_successful_scan_timestamp_seconds',
      help: 'Unix time of the last scan tick in which every stage succeeded.',
      ...reg,
    }),
    processesVanished: new Counter({
      name: 'forkwatch_processes_vanished_total',
      help: 'Processes that exited while being read (expected, not errors).',
      ...reg,
    }),
    captures: new Counter({
      name: 'forkwatch_captures_total',
      help: 'Stack captures by backend and outcome.',
      labelNames: ['backend', 'outcome'],
      ...reg,
    }),
    captureDuration: new Histogram({
      name: 'forkwatch_capture_duration_seconds',
      help: 'Duration of stack captures by backend and outcome.',
      labelNames: ['backend', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ...reg,
    }),
    secondLooks: new Counter({
      name: 'forkwatch_second_looks_total',
      help: "One-time stack captures of never-exec'd children older than hungAfter but not overdue, by outcome: named (the stack named a deadlock: the child became a suspect), nothing, gone.",
      labelNames: ['outcome'],
      ...reg,
    }),
    procReads: new Counter({
      name: 'forkwatch_proc_reads_total',
      help: 'Reads of /proc files (procRoot) by outcome: ok, gone (the process exited), denied (no permission), error.',
      labelNames: ['outcome'],
      // The counts live in src/proc (process-wide, below every stage): copied at each scrape, every outcome always present.
      collect() {
        const counts = procReadCounts();
        this.reset();
        for (const outcome of PROC_READ_OUTCOMES) this.inc({ outcome }, counts[outcome]);
      },
      ...reg,
    }),
  };
}

function registerDefaultMetrics(registry: Registry, mode: DefaultMetricsMode): void {
  if (mode === 'none') return;
  if (mode === 'all') {
    // Imported lazily so 'cheap' never loads the event-loop monitor.
    const { collectDefaultMetrics } = require('prom-client') as typeof import('prom-client');
    collectDefaultMetrics({ register: registry });
    return;
  }
  for (const name of CHEAP_DEFAULT_COLLECTORS) {
    // prom-client has no "exports" map: its per-collector modules are reachable and stable since v11.
    const collector = require(`prom-client/lib/metrics/${name}.js`) as (r: Registry, c: object) => void;
    collector(registry, {});
  }
}

/**
 * An extension's counter on the daemon's registry: the one registered under that name, or a new one registered
 * there. Registering twice on one registry throws in prom-client; asking twice (two daemons on one registry in a
 * test, a restarted extension) gets the same counter.
 */
export function counterOn<L extends string>(registry: Registry, config: CounterConfiguration<L>): Counter<L> {
  return (
    (registry.getSingleMetric(config.name) as Counter<L> | undefined) ??
    new Counter({ ...config, registers: [registry] })
  );
}

/** An extension's gauge on the daemon's registry, as counterOn. */
export function gaugeOn<L extends string>(registry: Registry, config: GaugeConfiguration<L>): Gauge<L> {
  return (
    (registry.getSingleMetric(config.name) as Gauge<L> | undefined) ?? new Gauge({ ...config, registers: [registry] })
  );
}

/** Render the registry in the Prometheus text format. */
export async function renderMetrics(m: Metrics): Promise<{ contentType: string; body: string }> {
  return { contentType: m.registry.contentType, body: await m.registry.metrics() };
}
