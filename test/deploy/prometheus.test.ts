/**
 * deploy/prometheus: `promtool check rules`, `promtool test rules` (every alert
 * firing and not firing), `promtool check config`; the rules use only the
 * metric names of docs/CONTRIBUTING.md and link runbook sections that exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { requireTool } from '../helpers/native-build.js';
import { REPO_ROOT, contributingMetricNames, headingAnchors, describeResult, exposedSeriesNames, metricNamesIn, readRepoFile, runTool } from './support.js';

const DIR = join(REPO_ROOT, 'deploy/prometheus');
const RULES = 'deploy/prometheus/forkwatch.rules.yml';
const RULES_TEST = 'deploy/prometheus/forkwatch.rules.test.yml';
const REQUIRED_ALERTS = [
  'ForkwatchHungChild',
  'ForkwatchOverdueChild',
  'ForkwatchDown',
  'ForkwatchScansStale',
  'ForkwatchCaptureFailures',
  'ForkwatchAlertsUndeliverable',
];

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function alertRules(): AlertRule[] {
  const doc = parseYaml(readRepoFile(RULES)) as { groups: { rules: AlertRule[] }[] };
  return doc.groups.flatMap((g) => g.rules).filter((r) => r.alert);
}

test('promtool check rules accepts forkwatch.rules.yml', () => {
  requireTool('promtool');
  const r = runTool('promtool', ['check', 'rules', RULES]);
  assert.equal(r.status, 0, describeResult(r));
  assert.match(r.stdout, new RegExp(`SUCCESS: ${alertRules().length} rules found`));
});

test('promtool test rules passes forkwatch.rules.test.yml', () => {
  requireTool('promtool');
  const r = runTool('promtool', ['test', 'rules', 'forkwatch.rules.test.yml'], { cwd: DIR });
  assert.equal(r.status, 0, describeResult(r));
  assert.match(r.stdout + r.stderr, /SUCCESS/);
});

test('promtool test rules fails when a rule is broken (the unit tests have teeth)', () => {
  requireTool('promtool');
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-rules-'));
  try {
    cpSync(join(REPO_ROOT, RULES_TEST), join(dir, 'forkwatch.rules.test.yml'));
    const broken = readRepoFile(RULES).replace('(forkwatch_hung_children) > 0', '(forkwatch_hung_children) > 1');
    assert.notEqual(broken, readRepoFile(RULES));
    writeFileSync(join(dir, 'forkwatch.rules.yml'), broken);
    const r = runTool('promtool', ['test', 'rules', 'forkwatch.rules.test.yml'], { cwd: dir });
    assert.notEqual(r.status, 0, describeResult(r));
    assert.match(r.stdout + r.stderr, /ForkwatchHungChild/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the unit tests cover every alert both firing and not firing', () => {
  const doc = parseYaml(readRepoFile(RULES_TEST)) as {
    tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
  };
  const cases = doc.tests.flatMap((t) => t.alert_rule_test ?? []);
  const names = alertRules().map((r) => r.alert);
  for (const name of REQUIRED_ALERTS) assert.ok(names.includes(name), `missing alert ${name}`);
  for (const name of names) {
    const mine = cases.filter((c) => c.alertname === name);
    assert.ok(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${name}: no case where it fires`);
    assert.ok(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${name}: no case where it stays silent`);
  }
});

test("every alert has for:, severity, summary, description and a runbook_url to an existing docs/operations.md section, served by the scraped forkwatch", () => {
  const anchors = headingAnchors(readRepoFile('docs/operations.md'));
  for (const r of alertRules()) {
    assert.match(r.for ?? '', /^[0-9]+[smh]$/, `${r.alert}: for:`);
    assert.ok(['critical', 'warning', 'info'].includes(r.labels?.severity ?? ''), `${r.alert}: severity`);
    assert.ok(r.annotations?.summary, `${r.alert}: summary`);
    assert.ok(r.annotations?.description, `${r.alert}: description`);
    const url = r.annotations?.runbook_url ?? '';
    // The daemon's own /docs route (src/expose/routes/docs.ts); test/expose/routes/docs-runbooks.test.ts opens each for real.
    const m = /^http:\/\/\{\{ \$labels\.instance \}\}\/docs\/operations#([a-z0-9-]+)$/.exec(url);
    assert.ok(m, `${r.alert}: runbook_url ${url}`);
    assert.equal(m[1], r.alert.toLowerCase(), `${r.alert}: runbook anchor`);
    assert.ok(anchors.has(m[1] as string), `${r.alert}: docs/operations.md has no section #${m[1]}`);
  }
});

test('the rules use only metric names and labels of the CONTRIBUTING table', () => {
  const table = contributingMetricNames();
  const series = exposedSeriesNames();
  for (const r of alertRules()) {
    for (const name of metricNamesIn(r.expr)) assert.ok(series.has(name), `${r.alert}: unknown metric ${name}`);
    const used = new Set(metricNamesIn(r.expr).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    for (const by of r.expr.matchAll(/\b(?:by|on)\s*\(([^)]*)\)/g)) {
      for (const label of (by[1] as string).split(',').map((l) => l.trim())) {
        if (['job', 'instance'].includes(label)) continue;
        const known = [...used].some((n) => table.get(n)?.labels.includes(label));
        assert.ok(known, `${r.alert}: label ${label} is not a label of ${[...used].join(', ')}`);
      }
    }
  }
});

test('promtool check config accepts prometheus.yml (with the rules), whose scrape job is scrape-config.yml', () => {
  requireTool('promtool');
  const r = runTool('promtool', ['check', 'config', 'prometheus.yml'], { cwd: DIR });
  assert.equal(r.status, 0, describeResult(r));
  assert.match(r.stdout, /SUCCESS: 1 rule files found/);
  const prom = parseYaml(readRepoFile('deploy/prometheus/prometheus.yml')) as { scrape_configs: unknown[]; rule_files: string[] };
  const snippet = parseYaml(readRepoFile('deploy/prometheus/scrape-config.yml')) as unknown[];
  assert.deepEqual(prom.scrape_configs, snippet);
  assert.deepEqual(prom.rule_files, ['forkwatch.rules.yml']);
  assert.match((snippet[0] as { job_name: string }).job_name, /forkwatch/, 'ForkwatchDown matches job=~".*forkwatch.*"');
});
