/**
 * Alertmanager v2 alerts for incidents (POST /api/v2/alerts takes an array).
 * One alert per incident: the `incident` label keeps two hung children of
 * one target apart (Alertmanager identifies an alert by its label set);
 * Alertmanager's own group_by decides what reaches people together.
 */
import type { AlertFacts } from './types.js';
import { classificationText, incidentUrl, signatureLabel, type MessageContext } from './describe.js';
import { formatAge } from '../util/format-age.js';
import { redactDeep } from '../util/redact.js';

export const ALERT_NAME = 'ForkwatchHungChild';

export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL: string;
}

export interface AmContext extends MessageContext {
  /** Where the alert came from when publicUrl is not set (forkwatch's own API on its listen address). */
  fallbackBaseUrl: string;
}

/** resolved: the alert carries endsAt (Alertmanager then resolves it); active ones carry none and are re-sent. */
export function toAmAlert(facts: AlertFacts, resolved: boolean, ctx: AmContext): AmAlert {
  const f = redactDeep(facts);
  const link =
    incidentUrl(f.incidentId, ctx) ??
    `${ctx.fallbackBaseUrl.replace(/\/+$/, '')}/api/v1/incidents/${encodeURIComponent(f.incidentId)}`;
  const severity = f.classification.kind === 'signature' ? f.classification.severity : 'critical';
  const alert: AmAlert = {
    labels: {
      alertname: ALERT_NAME,
      host: f.host,
      target: f.target.name,
      signature: signatureLabel(f.classification),
      severity,
      incident: f.incidentId,
    },
    annotations: {
      summary: `Hung forked child ${f.child.pid} of ${f.target.name} on ${f.host}`,
      description: describe(f, ctx),
      incident_url: link,
    },
    startsAt: new Date(f.confirmedAt ?? ctx.now).toISOString(),
    generatorURL: link,
  };
  if (f.job) alert.annotations.jenkins_job = f.job;
  if (resolved) alert.endsAt = new Date(f.resolvedAt ?? ctx.now).toISOString();
  return alert;
}

function describe(f: AlertFacts, ctx: MessageContext): string {
  const parts = [
    `Child ${f.child.pid} of ${f.target.name} (pid ${f.target.pid}${f.target.user ? `, user ${f.target.user}` : ''}) forked ${formatAge(ctx.now - f.child.startTimeMs)} ago and never exec'd.`,
    `Classification: ${classificationText(f.classification)}.`,
  ];
  if (f.frames.length > 0) parts.push(`Matched frames: ${f.frames.slice(0, 20).join(' < ')}.`);
  if (f.forkingThread) parts.push(`Forking JVM thread: ${f.forkingThread}.`);
  if (f.references[0])
    parts.push(`Reference: ${f.references[0].title}${f.references[0].url ? ` ${f.references[0].url}` : ''}.`);
  parts.push(
    f.remediation?.outcome === 'killed'
      ? 'forkwatch killed it.'
      : `After checking it is the same process: kill -9 ${f.child.pid}`,
  );
  return parts.join(' ').slice(0, 4000);
}
