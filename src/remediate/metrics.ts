/**
 * The remediation extension's metric, registered on the daemon's registry by
 * the extension (DaemonExtension.registerMetrics), whatever remediation.mode is:
 *   forkwatch_remediations_total{mode,outcome}  decisions and actions, mode dry_run / kill,
 *   outcome killed / skipped / refused / failed (every outcome at 0 from the start when the mode is not off)
 */
import type { Counter, Registry } from 'prom-client';
import { counterOn } from '../extension/metrics.js';

export interface RemediationMetrics {
  remediations: Counter<'mode' | 'outcome'>;
}

/** act.ts's ActOutcome values. */
const OUTCOMES = ['killed', 'skipped', 'refused', 'failed'] as const;

export function remediationMetrics(registry: Registry): RemediationMetrics {
  return {
    remediations: counterOn(registry, {
      name: 'forkwatch_remediations_total',
      help: 'Remediation decisions and actions by mode and outcome.',
      labelNames: ['mode', 'outcome'],
    }),
  };
}

/** The mode label: dry-run is dry_run (a label value in Prometheus' own style). */
const modeLabel = (mode: string | null): 'dry_run' | 'kill' => (mode === 'dry-run' ? 'dry_run' : 'kill');

export function countRemediation(m: RemediationMetrics, mode: string | null, outcome: string, by = 1): void {
  m.remediations.inc({ mode: modeLabel(mode), outcome }, by);
}

/** Zero series for every outcome of the mode, so a dashboard sees the counters before the first decision. */
export function zeroRemediationSeries(m: RemediationMetrics, mode: string): void {
  for (const outcome of OUTCOMES) countRemediation(m, mode, outcome, 0);
}
