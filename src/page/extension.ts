/**
 * The status page as a daemon extension: its routes go on the daemon's one
 * server (after the core API, whose routes it reads), and it keeps the last
 * few ticks' errors so the page can show "recent scan errors", not only the
 * last tick's. Enabled by listing createStatusPage() in the daemon's extensions.
 */
import type { DaemonExtension, ExtensionContext } from '../extension/context.js';
import type { TickSummary } from '../extension/daemon-view.js';
import { VERSION } from '../version.js';
import type { PageStatus } from './model.js';
import { statusPage } from './plugin.js';
import type { StatusFacts } from './source.js';

const RECENT_ERRORS = 20;

export function createStatusPage(): DaemonExtension {
  const recentErrors: PageStatus['scanErrors'] = [];
  const rememberErrors = (summary: TickSummary): void => {
    for (const e of summary.errors) recentErrors.unshift({ at: summary.at, stage: e.stage, message: e.message });
    recentErrors.splice(RECENT_ERRORS);
  };
  return {
    name: 'status-page',
    async routes(app, ctx) {
      await app.register(statusPage, { status: () => statusFacts(ctx, recentErrors) });
    },
    afterTick(summary) {
      rememberErrors(summary);
    },
  };
}

export function statusFacts(ctx: ExtensionContext, recentErrors: PageStatus['scanErrors']): StatusFacts {
  const snap = ctx.daemon.snapshot();
  return {
    host: ctx.store.host,
    version: VERSION,
    lastScanAt: snap.lastTick?.at ?? null,
    lastSuccessfulScanAt: snap.lastSuccessAt,
    intervalMs: snap.intervalMs,
    scanErrors: recentErrors,
    remediationMode: ctx.config.remediation.mode,
  };
}
