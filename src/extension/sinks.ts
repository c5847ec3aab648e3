/**
 * The names of the configured sinks. src/record writes one outbox row per
 * (incident, transition, sink) for exactly these names, and the sender
 * delivers rows by the same names: call this, do not spell the names again.
 */
import type { Config } from '../config/config.js';

export const SLACK_SINK = 'slack';
export const ALERTMANAGER_SINK = 'alertmanager';
export type SinkName = typeof SLACK_SINK | typeof ALERTMANAGER_SINK;

export function configuredSinks(config: Pick<Config, 'alerts'>): SinkName[] {
  const sinks: SinkName[] = [];
  if (config.alerts.slack.webhookUrl) sinks.push(SLACK_SINK);
  if (config.alerts.alertmanager.urls.length > 0) sinks.push(ALERTMANAGER_SINK);
  return sinks;
}
