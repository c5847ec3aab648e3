/**
 * deploy/alertmanager: `amtool check-config` accepts the example, and
 * `amtool config routes test` sends every forkwatch alert to Slack (with
 * send_resolved) and nothing else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { requireTool } from '../helpers/native-build.js';
import { describeResult, readRepoFile, runTool } from './support.js';

const CONFIG = 'deploy/alertmanager/alertmanager.yml';

function routeOf(labels: string[]): string {
  const r = runTool('amtool', ['config', 'routes', 'test', `--config.file=${CONFIG}`, ...labels]);
  assert.equal(r.status, 0, describeResult(r));
  return r.stdout.trim();
}

function alertNames(): string[] {
  const doc = parseYaml(readRepoFile('deploy/prometheus/forkwatch.rules.yml')) as { groups: { rules: { alert?: string; labels?: { severity?: string } }[] }[] };
  return doc.groups.flatMap((g) => g.rules).flatMap((r) => (r.alert ? [`${r.alert}:${r.labels?.severity ?? ''}`] : []));
}

test('amtool check-config accepts alertmanager.yml', () => {
  requireTool('amtool');
  const r = runTool('amtool', ['check-config', CONFIG]);
  assert.equal(r.status, 0, describeResult(r));
  assert.match(r.stdout, /SUCCESS/);
});

test('amtool check-config rejects a broken copy (the check is real)', () => {
  requireTool('amtool');
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-am-'));
  try {
    const bad = join(dir, 'alertmanager.yml');
    writeFileSync(bad, readRepoFile(CONFIG).replace('- receiver: slack-jenkins', '- receiver: no-such-receiver'));
    const r = runTool('amtool', ['check-config', bad]);
    assert.notEqual(r.status, 0, describeResult(r));
    assert.match(r.stdout + r.stderr, /no-such-receiver/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every forkwatch alert routes to the Slack receiver; other alerts do not', () => {
  requireTool('amtool');
  for (const entry of alertNames()) {
    const [name, severity] = entry.split(':');
    assert.equal(routeOf([`alertname=${name}`, `severity=${severity}`, 'instance=ci1:9710']), 'slack-jenkins', entry);
  }
  assert.equal(routeOf(['alertname=NodeFilesystemAlmostFull', 'severity=critical']), 'default');
});

test('the Slack receiver sends resolved notifications and groups per alert, host and target', () => {
  const doc = parseYaml(readRepoFile(CONFIG)) as {
    route: { routes: { receiver: string; group_by: string[] }[] };
    receivers: { name: string; slack_configs?: { send_resolved?: boolean; api_url_file?: string; api_url?: string }[] }[];
  };
  const slack = doc.receivers.find((r) => r.name === 'slack-jenkins');
  assert.ok(slack?.slack_configs?.length);
  for (const s of slack.slack_configs) {
    assert.equal(s.send_resolved, true);
    assert.ok(s.api_url_file && !s.api_url, 'the webhook URL stays out of the config (api_url_file)');
  }
  const route = doc.route.routes.find((r) => r.receiver === 'slack-jenkins');
  for (const label of ['alertname', 'instance', 'target']) assert.ok(route?.group_by.includes(label), `group_by ${label}`);
});
