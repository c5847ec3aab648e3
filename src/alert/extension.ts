/**
 * Alerts as a daemon extension: the sender starts and stops with the daemon,
 * each tick's transitions poke it (delivery stays async, off the tick), and
 * GET /api/v1/notifications joins the daemon's server.
 */
import type { DaemonExtension } from '../extension/context.js';
import { createAlertSender, type AlertSender, type AlertSenderOptions } from './sender.js';
import { registerNotificationRoutes } from './routes.js';

export type AlertExtensionOptions = Omit<AlertSenderOptions, 'config' | 'store' | 'logger' | 'metrics'>;

export interface AlertExtension extends DaemonExtension {
  /** The running sender (null before start). */
  sender(): AlertSender | null;
}

export function createAlertExtension(opts: AlertExtensionOptions = {}): AlertExtension {
  let sender: AlertSender | null = null;
  return {
    name: 'alerts',
    routes: registerNotificationRoutes,
    sender: () => sender,
    start(ctx) {
      const library = new Map((ctx.matcher?.signatures() ?? []).map((s) => [s.id, s]));
      sender = createAlertSender({
        signatures: (id) => library.get(id),
        ...opts,
        config: ctx.config,
        store: ctx.store,
        logger: ctx.logger,
        metrics: ctx.metrics,
      });
      sender.start();
    },
    onTransitions(transitions) {
      if (transitions.some((t) => t.to !== 'suspect')) sender?.poke();
    },
    async stop() {
      await sender?.stop();
    },
  };
}
