/**
 * deploy/grafana/forkwatch.json: valid JSON, every query uses only the metric
 * names (and labels) of the docs/CONTRIBUTING.md table, every metric there is
 * shown somewhere, and every query parses as PromQL (promtool, via recording
 * rules with Grafana's variables substituted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { requireTool } from '../helpers/native-build.js';
import { contributingMetricNames, describeResult, exposedSeriesNames, metricNamesIn, readRepoFile, runTool } from './support.js';

interface Target {
  expr: string;
  datasource?: { uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
}

const dashboard = JSON.parse(readRepoFile('deploy/grafana/forkwatch.json')) as Dashboard;
const allPanels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queryPanels = allPanels.filter((p) => p.type !== 'row');
const exprs = [
  ...queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr }))),
  ...dashboard.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => ({ where: `$${v.name}`, expr: typeof v.query === 'string' ? v.query : (v.query?.query ?? '') })),
];

test('the dashboard is valid JSON with a uid, a title and unique panel ids inside a 24-column grid', () => {
  assert.equal(dashboard.uid, 'forkwatch');
  assert.ok(dashboard.title);
  assert.ok(dashboard.schemaVersion >= 30);
  const ids = allPanels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const p of allPanels) assert.ok(p.gridPos.x + p.gridPos.w <= 24, p.title);
  for (const p of queryPanels) {
    assert.ok((p.targets ?? []).length > 0, `${p.title} has queries`);
    assert.equal(p.datasource?.uid, '${datasource}', `${p.title}: the datasource variable`);
    for (const t of p.targets ?? []) assert.equal(t.datasource?.uid, '${datasource}', p.title);
  }
});

test('it shows targets, children by class, hung children by signature, scan duration, captures and alert delivery', () => {
  const titles = queryPanels.map((p) => p.title).join('\n');
  for (const want of [/target/i, /classification/i, /hung children by signature/i, /scan duration/i, /capture outcomes/i, /notifications|outbox/i]) {
    assert.match(titles, want);
  }
});

test('every query uses only metrics and labels of the CONTRIBUTING table, and every metric there is used', () => {
  const series = exposedSeriesNames();
  const table = contributingMetricNames();
  const used = new Set<string>();
  for (const { where, expr } of exprs) {
    const names = metricNamesIn(expr);
    assert.ok(names.length > 0, `${where}: ${expr}`);
    for (const n of names) {
      assert.ok(series.has(n), `${where}: unknown metric ${n}`);
      used.add(n.replace(/_(bucket|sum|count)$/, ''));
    }
    const base = names.map((n) => n.replace(/_(bucket|sum|count)$/, ''));
    for (const by of expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
      for (const label of (by[1] as string).split(',').map((l) => l.trim())) {
        if (['instance', 'job', 'le'].includes(label)) continue;
        assert.ok(base.some((n) => table.get(n)?.labels.includes(label)), `${where}: label ${label} of ${base.join(', ')}`);
      }
    }
  }
  for (const name of table.keys()) assert.ok(used.has(name), `the dashboard never shows ${name}`);
});

test('every query parses as PromQL (promtool check rules on them as recording rules)', () => {
  requireTool('promtool');
  const substituted = (e: string): string => e.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*').replaceAll('$target', '.*');
  const rules = exprs
    .filter((e) => !e.expr.startsWith('label_values('))
    .map((e, i) => ({ record: `forkwatch_dashboard:query_${i}`, expr: substituted(e.expr) }));
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-grafana-'));
  try {
    writeFileSync(join(dir, 'queries.yml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    const r = runTool('promtool', ['check', 'rules', join(dir, 'queries.yml')]);
    assert.equal(r.status, 0, describeResult(r));
    assert.match(r.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
