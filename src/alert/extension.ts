/**
 * Alerts as a daemon extension: the sender starts and stops with the daemon,
 * each tick's transitions poke it (delivery stays async, off the tick), and
 * GET /api/v1/notifications joins the daemon's server. Its metrics
 * (metrics.ts) are on the daemon's registry whatever sinks are configured;
 * after each tick the outbox gauges are rebuilt from the store.
 */
import type { DaemonExtension, ExtensionContext } from '../extension/context.js';
import type { Signature } from '../match/types.js';
import { configuredSinks } from '../extension/sinks.js';
import { createAlertSender, type AlertSender, type AlertSenderOptions } from './sender.js';
import { registerNotificationRoutes } from './routes.js';
import { alertMetrics, updateOutboxMetrics } from './metrics.js';

export type AlertExtensionOptions = Omit<AlertSenderOptions, 'config' | 'store' | 'logger' | 'metrics'>;

export interface AlertExtension extends DaemonExtension {
  /** The running sender (null before start). */
  sender(): AlertSender | null;
}

export function createAlertExtension(opts: AlertExtensionOptions = {}): AlertExtension {
  let sender: AlertSender | null = null;
  let library = new Map<string, Signature>();
  let sinksShape = '';
  const startSender = (ctx: ExtensionContext): void => {
    sinksShape = JSON.stringify(ctx.config.alerts);
    sender = createAlertSender({
      signatures: (id) => library.get(id),
      ...opts,
      config: ctx.config,
      store: ctx.store,
      logger: ctx.logger,
      metrics: alertMetrics(ctx.metrics.registry),
    });
    sender.start();
  };
  return {
    name: 'alerts',
    registerMetrics: (registry) => void alertMetrics(registry),
    routes: registerNotificationRoutes,
    sender: () => sender,
    start(ctx) {
      library = new Map((ctx.matcher?.signatures() ?? []).map((s) => [s.id, s]));
      startSender(ctx);
    },
    // A new library always; a new sender only when the alert settings changed.
    // The outbox is in the store: what the old sender had not delivered (or
    // was sending when stopped) stays pending and the new one sends it.
    async reconfigure(ctx) {
      library = new Map((ctx.matcher?.signatures() ?? []).map((s) => [s.id, s]));
      if (!sender || JSON.stringify(ctx.config.alerts) === sinksShape) return;
      await sender.stop();
      startSender(ctx);
      ctx.logger.info({ sinks: configuredSinks(ctx.config) }, 'alert sinks rebuilt from the reloaded config');
    },
    onTransitions(transitions) {
      if (transitions.some((t) => t.to !== 'suspect')) sender?.poke();
    },
    afterTick(summary, ctx) {
      try {
        updateOutboxMetrics(alertMetrics(ctx.metrics.registry), ctx.store, summary.at);
      } catch (err) {
        // Counted as the tick counted it when the tick updated these gauges itself.
        ctx.metrics.scanErrors.inc({ stage: 'alert' });
        const message = err instanceof Error ? err.message : String(err);
        ctx.logger.error({ stage: 'alert', err }, `tick: alert stage failed: ${message}`);
      }
    },
    async stop() {
      await sender?.stop();
    },
  };
}
