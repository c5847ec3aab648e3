/** What a ScanReport means for exit statuses and for JSON readers. */
import { cmdlineText } from '../proc/parse/cmdline.js';
import type { ProcessInfo } from '../scan/types.js';
import type { ScanReport } from '../classify/types.js';
import { confirmationOf, confirmedCount, type ScanConfirmation } from './scan-confirmation.js';

/** Monitoring-plugin convention. */
export const EXIT_OK = 0;
export const EXIT_OVERDUE = 1;
export const EXIT_CONFIRMED = 2;
export const EXIT_UNKNOWN = 3;

/**
 * 2 when a deadlock is confirmed (signature or kernel proof); else 1 when any
 * never-exec'd child is overdue; else 3 when a target is missing or
 * unreadable; else 0.
 */
export function exitStatusOf(report: ScanReport, confirmation?: ScanConfirmation): number {
  if (confirmedCount(confirmation) > 0) return EXIT_CONFIRMED;
  if (report.children.some((c) => c.overdue)) return EXIT_OVERDUE;
  if (report.targets.length === 0 || report.missingTargets.length > 0) return EXIT_UNKNOWN;
  if (report.stats.permissionDenied > 0) return EXIT_UNKNOWN;
  return EXIT_OK;
}

/** ProcessInfo as JSON: cmdline as text (argv joined by spaces) plus its exact bytes in base64. */
export function processToJson(p: ProcessInfo): Record<string, unknown> {
  const { cmdline, ...rest } = p;
  return { ...rest, cmdline: cmdlineText(cmdline), cmdlineBase64: cmdline.toString('base64') };
}

/** With a confirmation: `confirmed`, `confirm` (mode, reason) and each child's `confirmation` (null unless it was a suspect). */
export function reportToJson(r: ScanReport, confirmation?: ScanConfirmation): Record<string, unknown> {
  const { children: _children, ...confirm } = confirmation ?? { children: [] };
  return {
    ...r,
    overdue: r.children.filter((c) => c.overdue).length,
    ...(confirmation ? { confirmed: confirmedCount(confirmation), confirm } : {}),
    exitStatus: exitStatusOf(r, confirmation),
    targets: r.targets.map((t) => ({ ...t, process: processToJson(t.process) })),
    children: r.children.map((c) => ({
      ...c,
      child: processToJson(c.child),
      ...(confirmation ? { confirmation: confirmationOf(confirmation, c) } : {}),
    })),
  };
}
