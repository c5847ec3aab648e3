/**
 * The human table for `forkwatch scan`. Columns are data, so later stages
 * (stack signature, kernel evidence) add theirs without touching this file.
 */
import type { ChildReport, ScanReport } from '../classify/types.js';
import { printable } from '../util/printable.js';
import { confirmationOf, confirmedCount, describeConfirmation, type ScanConfirmation } from './scan-confirmation.js';

export interface Column {
  header: string;
  value(c: ChildReport): string;
}

export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

export const BASE_COLUMNS: Column[] = [
  { header: 'TARGET', value: (c) => `${c.target.name}:${c.target.pid}` },
  { header: 'CHILD', value: (c) => String(c.child.pid) },
  { header: 'DEPTH', value: (c) => String(c.depth) },
  { header: 'AGE', value: (c) => formatAge(c.ageMs) },
  { header: 'STATE', value: (c) => c.child.stateCode },
  { header: 'THREADS', value: (c) => String(c.child.threads) },
  { header: 'CLASSIFICATION', value: (c) => (c.overdue ? 'never-execed OVERDUE' : c.classification) },
  { header: 'WAIT', value: (c) => c.child.wchan ?? '-' },
];

/** Overdue first, then oldest first. */
export function sortChildren(children: ChildReport[]): ChildReport[] {
  return [...children].sort(
    (a, b) => Number(b.overdue) - Number(a.overdue) || b.ageMs - a.ageMs || a.child.pid - b.child.pid,
  );
}

export function formatTable(children: ChildReport[], columns: Column[]): string {
  const rows = [
    columns.map((c) => c.header),
    ...sortChildren(children).map((ch) => columns.map((c) => oneLine(c.value(ch)))),
  ];
  const widths = columns.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') +
    '\n'
  );
}

function oneLine(s: string): string {
  return printable(s.slice(0, 200)).replaceAll('\t', '?');
}

export function formatSummary(r: ScanReport): string {
  const overdue = r.children.filter((c) => c.overdue).length;
  const never = r.children.filter((c) => c.classification === 'never-execed').length;
  const targets = r.targets.map((t) => `${t.name}:${t.process.pid}`).join(', ') || 'none';
  const lines = [
    `targets: ${targets}${r.missingTargets.length ? ` (not found: ${r.missingTargets.join(', ')})` : ''}`,
    `children: ${r.children.length}, never exec'd: ${never}, overdue: ${overdue}` +
      (r.hungAfterMs !== undefined ? ` (hungAfter ${formatAge(r.hungAfterMs)})` : ''),
    `scan: ${r.stats.source} ${r.stats.mode ?? ''} ${r.stats.durationMs} ms, ${r.stats.processesRead} read, ` +
      `${r.stats.vanished} vanished, ${r.stats.permissionDenied} denied, ${r.stats.malformed} malformed`,
  ];
  return lines.join('\n') + '\n';
}

/** CONFIRMED (signature / kernel / no) and EVIDENCE (the signature, the kernel proof, or why not) for the suspects. */
export function confirmationColumns(conf: ScanConfirmation): Column[] {
  return [
    {
      header: 'CONFIRMED',
      value: (c) => {
        const x = confirmationOf(conf, c);
        return x ? (x.verdict?.by ?? 'no') : '-';
      },
    },
    { header: 'EVIDENCE', value: (c) => describeConfirmation(confirmationOf(conf, c)) },
  ];
}

export function formatConfirmSummary(conf: ScanConfirmation): string {
  if (conf.mode === 'none') return `confirmed: not checked (${conf.reason ?? 'nothing to examine here'})\n`;
  const n = confirmedCount(conf);
  const bySig = conf.children.filter((c) => c.verdict?.by === 'signature').length;
  const how = conf.mode === 'capture' ? 'kernel evidence + stack capture + signatures' : 'kernel evidence only';
  const why = conf.reason ? ` (${conf.reason})` : '';
  return `confirmed: ${n} of ${conf.children.length} suspect(s), ${bySig} by signature, ${n - bySig} by kernel proof; checked: ${how}${why}\n`;
}
