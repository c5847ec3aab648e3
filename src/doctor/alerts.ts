/**
 * The alert routes: each Alertmanager answers GET /api/v2/status (bounded),
 * the Slack webhook is configured and well formed (src/config/secrets.ts);
 * a test message only with --send-test. The webhook URL is a credential:
 * only its host is shown.
 */
import { hostname } from 'node:os';
import { postJson, urlRedactor } from '../alert/http.js';
import { SLACK_REDACTED } from '../alert/slack.js';
import type { Config } from '../config/config.js';
import { webhookProblem } from '../config/secrets.js';
import { result, type CheckResult } from './types.js';

/** Bounded whatever the config says: doctor must end. */
const MAX_HTTP_MS = 5000;
const MAX_STATUS_CHARS = 64 * 1024;

export async function alertmanagerChecks(config: Config): Promise<CheckResult[]> {
  const timeoutMs = Math.min(config.alerts.alertmanager.timeoutMs, MAX_HTTP_MS);
  return Promise.all(config.alerts.alertmanager.urls.map((url) => alertmanagerStatus(url, timeoutMs)));
}

async function alertmanagerStatus(base: string, timeoutMs: number): Promise<CheckResult> {
  const url = `${base.replace(/\/+$/, '')}/api/v2/status`;
  const check = `alertmanager ${withoutCredentials(base)}`;
  const fix = `check that Alertmanager runs and is reachable from this host (curl ${withoutCredentials(url)}), or correct alerts.alertmanager.urls`;
  const redact = urlRedactor(url, withoutCredentials(url));
  try {
    const res = await fetch(...basicAuth(url, timeoutMs));
    const text = (await res.text()).slice(0, MAX_STATUS_CHARS);
    if (!res.ok) return result(check, 'fail', `GET /api/v2/status: HTTP ${res.status}`, fix);
    const version = statusVersion(text);
    if (version === null)
      return result(check, 'fail', 'GET /api/v2/status answered 200 but not with an Alertmanager status object', fix);
    return result(check, 'ok', `GET /api/v2/status: 200, Alertmanager ${version}`);
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message);
    return result(check, 'fail', `GET /api/v2/status: ${redact(String(why)).slice(0, 240)}`, fix);
  }
}

/**
 * fetch refuses a URL with credentials in it; the daemon's sender (node:http)
 * sends them as basic auth: so does doctor.
 */
function basicAuth(text: string, timeoutMs: number): [string, RequestInit] {
  const init: RequestInit = { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' };
  const u = new URL(text);
  if (!u.username && !u.password) return [text, init];
  const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  return [
    withoutCredentials(text),
    { ...init, headers: { authorization: `Basic ${Buffer.from(pair).toString('base64')}` } },
  ];
}

/** Pure: versionInfo.version of an Alertmanager status body, 'unknown' when absent, null when not a status object. */
export function statusVersion(text: string): string | null {
  try {
    const body = JSON.parse(text) as { versionInfo?: { version?: unknown }; cluster?: unknown; config?: unknown };
    if (typeof body !== 'object' || body === null || (!body.cluster && !body.config)) return null;
    const v = body.versionInfo?.version;
    return typeof v === 'string' ? v.slice(0, 40) : 'unknown';
  } catch {
    return null;
  }
}

export async function slackChecks(config: Config, sendTest: boolean): Promise<CheckResult[]> {
  const url = config.alerts.slack.webhookUrl;
  if (!url)
    return [
      result(
        'slack webhook',
        'warn',
        'not configured: no Slack alerts',
        'set alerts.slack.webhookUrlFile (a 0600 file holding the URL) or FORKWATCH_ALERTS_SLACK_WEBHOOK_URL',
      ),
    ];
  const problem = webhookProblem(url);
  const host = hostOf(url);
  if (problem) return [result('slack webhook', 'fail', problem, 'set the webhook to the https:// URL Slack gave')];
  const out = [result('slack webhook', 'ok', `configured, well formed (${host})`)];
  if (!sendTest) {
    out.push(result('slack test message', 'skip', 'skipped: nothing sent (--send-test sends one)'));
    return out;
  }
  const text = `forkwatch doctor on ${hostname()}: test message (forkwatch doctor --send-test)`;
  const r = await postJson(
    url,
    { text },
    { timeoutMs: Math.min(config.alerts.slack.timeoutMs, MAX_HTTP_MS), redact: urlRedactor(url, SLACK_REDACTED) },
  );
  if (r.outcome === 'sent') out.push(result('slack test message', 'ok', `sent to ${host}: HTTP ${r.status}`));
  else
    out.push(
      result(
        'slack test message',
        'fail',
        `not delivered to ${host}: ${r.error}`,
        "check the webhook in Slack (revoked? channel archived?) and this host's outbound HTTPS",
      ),
    );
  return out;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '?';
  }
}

/** A URL as shown: user and password (basic auth in the URL) left out. */
export function withoutCredentials(text: string): string {
  try {
    const u = new URL(text);
    if (!u.username && !u.password) return text;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '<malformed URL>';
  }
}
