/**
 * Config reload on SIGHUP (systemctl reload, svcadm refresh): the same loader
 * and validation as at start (src/config/load.ts), the signature library
 * re-read (src/stages/build.ts loadMatcher). Anything that fails keeps the
 * running config and library, is logged naming the key and value, and sets
 * forkwatch_config_last_reload_successful 0; a success sets it to 1 and the
 * success timestamp to now (the Prometheus and Alertmanager convention; both
 * also set at start). Restart-only keys (src/daemon/reload-plan.ts) keep
 * their running value and are reported. Reloads never overlap: signals that
 * arrive during one are folded into a single reload after it.
 */
import { Gauge } from 'prom-client';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import type { Metrics } from '../extension/metrics.js';
import type { Logger } from '../util/logger.js';
import { setRedactionPatterns } from '../util/redact.js';
import type { Daemon } from './index.js';
import type { MatchPort } from '../match/port.js';
import { loadMatcher } from '../stages/build.js';
import { loadAuditRules } from '../audit/daemon/extension.js';
import { planReload, type RestartOnlyChange } from './reload-plan.js';

export interface ReloadOutcome {
  ok: boolean;
  restartNeeded: RestartOnlyChange[];
  changed: string[];
  error?: string;
}

export interface ReloaderOptions {
  /** The --config file (undefined: FORKWATCH_CONFIG or defaults, as at start). */
  file: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** The config as loaded at start, before tools were resolved: restart-only keys are compared to it. */
  started: Config;
  daemon: Daemon;
  logger: Logger;
  metrics: Metrics;
  /** systemd's RELOADING=1 … READY=1 around the work (src/daemon/systemd-notify.ts). */
  aroundReload?: <T>(fn: () => Promise<T>) => Promise<T>;
}

export interface Reloader {
  /** Ask for a reload; resolves when one that started after the request has ended. */
  request(): Promise<ReloadOutcome>;
  readonly reloads: number;
}

interface ReloadMetrics {
  successful: Gauge;
  successTimestamp: Gauge;
  restartRequired: Gauge;
}

function defineReloadMetrics(metrics: Metrics): ReloadMetrics {
  const registers = [metrics.registry];
  const get = (name: string) => metrics.registry.getSingleMetric(name) as Gauge | undefined;
  return {
    successful:
      get('forkwatch_config_last_reload_successful') ??
      new Gauge({
        name: 'forkwatch_config_last_reload_successful',
        help: 'Whether the last configuration reload (start or SIGHUP) succeeded (1) or was refused and the running config kept (0).',
        registers,
      }),
    successTimestamp:
      get('forkwatch_config_last_reload_success_timestamp_seconds') ??
      new Gauge({
        name: 'forkwatch_config_last_reload_success_timestamp_seconds',
        help: 'Unix time of the last successful configuration load (start or SIGHUP).',
        registers,
      }),
    restartRequired:
      get('forkwatch_config_restart_required') ??
      new Gauge({
        name: 'forkwatch_config_restart_required',
        help: 'Number of restart-only config keys whose value in the file differs from the running one (docs/daemon.md#reload).',
        registers,
      }),
  };
}

export function createReloader(opts: ReloaderOptions): Reloader {
  const { daemon, logger } = opts;
  const log = logger.child({ component: 'reload' });
  const m = defineReloadMetrics(opts.metrics);
  m.successful.set(1);
  m.successTimestamp.set(Date.now() / 1000);
  m.restartRequired.set(0);
  const around = opts.aroundReload ?? ((fn) => fn());
  let inFlight: Promise<ReloadOutcome> | null = null;
  let queued: Promise<ReloadOutcome> | null = null;
  let reloads = 0;

  const runOne = (): Promise<ReloadOutcome> => {
    const p = around(() => reloadOnce()).finally(() => {
      if (inFlight === p) inFlight = null;
    });
    inFlight = p;
    return p;
  };

  const reloadOnce = async (): Promise<ReloadOutcome> => {
    reloads += 1;
    const loaded = loadNext(opts, log);
    if ('error' in loaded) {
      m.successful.set(0);
      return { ok: false, restartNeeded: [], changed: [], error: loaded.error };
    }
    const plan = planReload(opts.started, daemon.context.config, loaded.config);
    for (const r of plan.restartNeeded) {
      log.warn(
        { key: r.key, running: r.running, requested: r.requested, why: r.why },
        `config reload: ${r.key} cannot change without a restart (${r.why}); the running value is kept`,
      );
    }
    m.restartRequired.set(plan.restartNeeded.length);
    setRedactionPatterns(plan.config.redact.patterns);
    logger.level = plan.config.log.level;
    swapLibrary(daemon.context.matcher, loaded.matcher);
    await daemon.reconfigure(plan.config);
    m.successful.set(1);
    m.successTimestamp.set(Date.now() / 1000);
    log.info(
      {
        changed: plan.changed,
        restartNeeded: plan.restartNeeded.map((r) => r.key),
        signatures: loaded.matcher.signatures().length,
      },
      'config reloaded',
    );
    return { ok: true, restartNeeded: plan.restartNeeded, changed: plan.changed };
  };

  return {
    get reloads() {
      return reloads;
    },
    request() {
      if (queued) return queued;
      if (!inFlight) return runOne();
      const settled = inFlight.then(
        () => undefined,
        () => undefined,
      );
      const q = settled.then(() => {
        queued = null;
        return runOne();
      });
      queued = q;
      return q;
    },
  };
}

/** The config and library from disk, or why not (already logged). */
function loadNext(opts: ReloaderOptions, log: Logger): { config: Config; matcher: MatchPort } | { error: string } {
  try {
    const config = loadConfig({ file: opts.file, env: opts.env ?? process.env });
    const matcher = loadMatcher(config, log);
    loadAuditRules(config); // a broken fork-risk rule file refuses the reload like a broken signature file
    return { config, matcher };
  } catch (err) {
    if (err instanceof ConfigError) {
      log.error(
        {
          key: err.key,
          value: /token|webhook|secret|password/i.test(err.key) ? '<redacted>' : err.value,
          allowed: err.allowed,
          err: err.message,
        },
        `config reload refused, the running config is kept: ${err.message}`,
      );
      return { error: err.message };
    }
    const message = err instanceof Error ? err.message : String(err);
    log.error({ err: message }, `config reload failed, the running config is kept: ${message}`);
    return { error: message };
  }
}

/**
 * The daemon's MatchPort is shared by the tick, the API and the alert
 * extension: its methods are replaced in place so each sees the new library
 * from its next call (a tick in flight finishes with the one it started with
 * only if it already holds a result).
 */
function swapLibrary(running: MatchPort | null, next: MatchPort): void {
  if (running) Object.assign(running, next);
}
