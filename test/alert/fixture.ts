/** Builders for the alert tests: a real store on the real clock, a config, a log sink to search. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../src/util/logger.js';
import type { Registry } from 'prom-client';
import { createMetrics } from '../../src/extension/metrics.js';
import { alertMetrics, type AlertMetrics } from '../../src/alert/metrics.js';
import { resolveConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/config.js';
import { openStore, type IncidentStore, type SuspectObservation } from '../../src/record/index.js';
import { configuredSinks } from '../../src/alert/index.js';
import { CONFIRM, HOST, keyOf, suspect, tempDir } from '../record/fixture.js';

export { CONFIRM, HOST, keyOf, suspect };

type T = { after: (fn: () => void | Promise<void>) => void };

export function alertConfig(over: Record<string, unknown>): Config {
  return resolveConfig({ publicUrl: 'https://forkwatch.example.org', ...over });
}

export function realStore(t: T, config: Config, stateDir?: string): { store: IncidentStore; dir: string } {
  const dir = stateDir ?? tempDir(t);
  const store = openStore({ stateDir: dir, host: HOST, sinks: configuredSinks(config) });
  t.after(() => store.close());
  return { store, dir };
}

/** observe + confirm: the store enqueues 'opened' per sink in the same transaction. */
export function confirmChild(store: IncidentStore, childPid: number, over: Partial<SuspectObservation> = {}): string {
  const s = suspect(childPid, Date.now() - 120_000, over);
  store.observeSuspects(Date.now(), [s]);
  return store.confirm(keyOf(s), CONFIRM).id;
}

/** Every open incident of target 'jenkins' whose child is not in keep is resolved. */
export function resolveAllBut(store: IncidentStore, keep: string[] = []): void {
  store.resolveMissing(Date.now(), keep, ['jenkins']);
}

export function captureLogs(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream) as unknown as Logger, text: () => lines.join('') };
}

/** The alert extension's metrics on a daemon's private registry, as the extension hands them to the sender. */
export function testMetrics(): AlertMetrics & { registry: Registry } {
  const { registry } = createMetrics({ defaultMetrics: 'none' });
  return { registry, ...alertMetrics(registry) };
}

export async function metricValue(
  m: { registry: Registry },
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = (metric?.values ?? []).find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

export async function until<T>(
  fn: () => T | undefined | null | false,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
