/** The alert stage: outbox sender, Slack and Alertmanager sinks, the notifications route, the daemon extension. */
export { createAlertSender, type AlertSender, type AlertSenderOptions, type PassReport } from './sender.js';
export { createAlertExtension, type AlertExtension, type AlertExtensionOptions } from './extension.js';
export { registerNotificationRoutes } from './routes.js';
export { configuredSinks, SLACK_SINK, ALERTMANAGER_SINK, type SinkName } from '../extension/sinks.js';
export { toAlertFacts, type SignatureLookup } from './facts.js';
export { buildSlackMessage } from './slack-message.js';
export { toAmAlert, ALERT_NAME, type AmAlert } from './alertmanager-message.js';
export type { AlertFacts, DeliveryResult, Notification } from './types.js';
export type { AlertMetrics } from './metrics.js';
