/**
 * A duration as people read it in messages and pages: "45s", "3m 12s",
 * "2h 5m", "1d 3h". Negative input reads as 0s. The compact, column-aligned
 * form of the scan table is its own (src/cli/scan-table.ts).
 */
export function formatAge(ms: number, opts: { daysFromHours?: number } = {}): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < (opts.daysFromHours ?? 24)) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
