/**
 * Shared helpers for the deploy tests: run a real tool and collect its result,
 * read deploy files, and the metric-name table of docs/CONTRIBUTING.md (the
 * contract between src/extension/metrics.ts and everything under deploy/).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../helpers/native-build.js';

export { REPO_ROOT };

export interface ToolResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program with an argument array (never a shell), bounded in time. */
export function runTool(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): ToolResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? REPO_ROOT,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function describeResult(r: ToolResult): string {
  return `exit ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

export function readRepoFile(rel: string): string {
  return readFileSync(join(REPO_ROOT, rel), 'utf8');
}

/** Metric names (without _bucket/_sum/_count) from the CONTRIBUTING table. */
export function contributingMetricNames(): Map<string, { type: string; labels: string[] }> {
  const out = new Map<string, { type: string; labels: string[] }>();
  for (const line of readRepoFile('docs/CONTRIBUTING.md').split('\n')) {
    const m = /^\|\s*(forkwatch_[a-z0-9_]+)\s*\|\s*([^|]+)\|\s*([^|]*)\|/.exec(line);
    if (!m) continue;
    const labels = (m[3] ?? '')
      .split(',')
      .map((l) => l.trim().split(/\s+/)[0] ?? '')
      .filter(Boolean);
    out.set(m[1] as string, { type: (m[2] as string).trim(), labels });
  }
  return out;
}

/** Series names a metric exposes: histograms add _bucket, _sum and _count. */
export function exposedSeriesNames(): Set<string> {
  const names = new Set<string>();
  for (const [name, { type }] of contributingMetricNames()) {
    names.add(name);
    if (type.startsWith('histogram')) for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
  }
  return names;
}

/** Every forkwatch_* identifier in a PromQL expression. */
export function metricNamesIn(expr: string): string[] {
  return [...expr.matchAll(/\bforkwatch_[a-z0-9_]+/g)].map((m) => m[0]);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
export function headingAnchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const line of markdown.split('\n')) {
    const m = /^#{1,6}\s+(.+?)\s*$/.exec(line);
    if (m) out.add((m[1] as string).toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
  }
  return out;
}

/** Every alert rule's runbook_url as written (a template: test/expose/routes/docs-runbooks.test.ts renders and fetches them). */
export function ruleRunbookUrls(): { alert: string; url: string }[] {
  const doc = parseYaml(readRepoFile('deploy/prometheus/forkwatch.rules.yml')) as { groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[] };
  return doc.groups.flatMap((g) => g.rules).filter((r) => r.alert).map((r) => ({ alert: r.alert!, url: r.annotations?.runbook_url ?? '' }));
}
