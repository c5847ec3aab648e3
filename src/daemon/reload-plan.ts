/**
 * What a config reload may change live, decided per key (table in
 * docs/daemon.md "Reload"). Pure: the config the daemon started with and the
 * one just loaded in, the config to run and the keys that need a restart out.
 * A restart-only key keeps its running value; the file's new value is only
 * reported.
 */
import type { Config } from '../config/config.js';
import { configuredSinks } from '../extension/sinks.js';

export interface RestartOnlyChange {
  /** The config-file key, as the README table names it. */
  key: string;
  running: unknown;
  requested: unknown;
  why: string;
}

export interface ReloadPlan {
  /** The config to run: `next` with every restart-only key at its running value. */
  config: Config;
  restartNeeded: RestartOnlyChange[];
  /** Top-level keys whose value changes live (for the log line). */
  changed: string[];
}

interface RestartOnlyKey {
  key: string;
  get(c: Config): unknown;
  why: string;
  /** What the log may show (a secret never: only whether it is set). */
  show?(value: unknown): unknown;
}

const RESTART_ONLY: readonly RestartOnlyKey[] = [
  { key: 'listen', get: (c) => c.listen, why: 'the server is bound once' },
  { key: 'stateDir', get: (c) => c.stateDir, why: 'the incident store and its lock are open there' },
  { key: 'procRoot', get: (c) => c.procRoot, why: 'the process source is built once' },
  { key: 'source', get: (c) => c.source, why: 'the process source is built once' },
  { key: 'tools', get: (c) => c.tools, why: 'tracers are resolved once, at start (docs/security.md)' },
  { key: 'capture.order', get: (c) => c.capture.order, why: 'the capture backends are built once' },
  { key: 'capture.timeout', get: (c) => c.capture.timeoutMs, why: 'the tick deadline and stop wait derive from it' },
  { key: 'capture.maxOutputBytes', get: (c) => c.capture.maxOutputBytes, why: 'the capture backends are built once' },
  { key: 'capture.concurrency', get: (c) => c.capture.concurrency, why: 'the capture limiter is built once' },
  { key: 'retention.keep', get: (c) => c.retentionMs, why: 'the store is opened with it' },
  {
    key: 'auth',
    get: (c) => c.authToken,
    why: 'the token check is built with the server',
    show: (v) => (v === null ? null : '<token>'),
  },
  { key: 'log.pretty', get: (c) => c.log.pretty, why: 'the log destination is opened once' },
  {
    key: 'alerts (sinks)',
    get: (c) => configuredSinks(c),
    why: 'the outbox keeps one row per configured sink: adding or removing a sink would orphan or lose rows',
  },
];

export function planReload(started: Config, running: Config, next: Config): ReloadPlan {
  const restartNeeded: RestartOnlyChange[] = [];
  for (const k of RESTART_ONLY) {
    const was = k.get(started);
    const now = k.get(next);
    if (sameValue(was, now)) continue;
    const show = k.show ?? ((v: unknown) => v);
    restartNeeded.push({ key: k.key, running: show(was), requested: show(now), why: k.why });
  }
  const sinksChange = restartNeeded.some((r) => r.key === 'alerts (sinks)');
  const config: Config = {
    ...next,
    listen: running.listen,
    stateDir: running.stateDir,
    procRoot: running.procRoot,
    source: running.source,
    tools: running.tools,
    capture: {
      ...next.capture,
      order: running.capture.order,
      timeoutMs: running.capture.timeoutMs,
      maxOutputBytes: running.capture.maxOutputBytes,
      concurrency: running.capture.concurrency,
    },
    retentionMs: running.retentionMs,
    authToken: running.authToken,
    log: { ...next.log, pretty: running.log.pretty },
    alerts: sinksChange ? running.alerts : next.alerts,
  };
  const changed = (Object.keys(config) as (keyof Config)[]).filter((k) => !sameValue(config[k], running[k]));
  return { config, restartNeeded, changed };
}

/** Deep equality through JSON; a SafeRegex (a closure object) compares by its source. */
function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, regexSource) === JSON.stringify(b, regexSource);
}

function regexSource(_key: string, value: unknown): unknown {
  if (
    value &&
    typeof value === 'object' &&
    'source' in value &&
    typeof (value as { source: unknown }).source === 'string'
  )
    return `/${(value as { source: string }).source}/`;
  return value;
}
