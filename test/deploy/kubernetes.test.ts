/**
 * deploy/kubernetes: every manifest parses, and the invariants that make the
 * DaemonSet both able to watch and otherwise locked down hold; the ConfigMap's
 * forkwatch.yml passes the real check-config; selectors, ports and mounts
 * agree across files. No cluster here: nothing is applied.
 *
 * prometheusrule.yaml is deploy/prometheus/forkwatch.rules.yml wrapped for the
 * Prometheus Operator; FORKWATCH_UPDATE_GOLDEN=1 regenerates it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { REPO_ROOT, describeResult, readRepoFile, runTool } from './support.js';

const DIR = 'deploy/kubernetes';

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes objects are walked as plain data */
function loadAll(): Map<string, any> {
  const out = new Map<string, any>();
  for (const file of readdirSync(join(REPO_ROOT, DIR)).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readRepoFile(`${DIR}/${file}`))) {
      assert.equal(doc.errors.length, 0, `${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const obj = doc.toJS() as any;
      if (!obj) continue;
      assert.ok(obj.apiVersion && obj.kind, `${file}: apiVersion and kind`);
      out.set(obj.kind, { ...obj, __file: file });
    }
  }
  return out;
}

const objects = loadAll();
const ds = objects.get('DaemonSet');
const pod = ds?.spec.template.spec;
const container = pod?.containers[0];

function prometheusRuleText(): string {
  const rules = parseYaml(readRepoFile('deploy/prometheus/forkwatch.rules.yml'));
  const doc = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'forkwatch', namespace: 'forkwatch', labels: { 'app.kubernetes.io/name': 'forkwatch' } },
    spec: rules,
  };
  return (
    '# The rules of deploy/prometheus/forkwatch.rules.yml for the Prometheus Operator.\n' +
    '# Generated: FORKWATCH_UPDATE_GOLDEN=1 node scripts/run-tests.mjs test/deploy/kubernetes.test.ts\n' +
    stringify(doc, { lineWidth: 0 })
  );
}

test('every manifest parses, lives in the forkwatch namespace, and kustomization.yaml lists them all', () => {
  for (const kind of ['Namespace', 'ServiceAccount', 'ConfigMap', 'DaemonSet', 'Service', 'PodMonitor', 'PrometheusRule', 'Kustomization']) {
    assert.ok(objects.has(kind), `a ${kind}`);
  }
  for (const [kind, obj] of objects) {
    if (kind === 'Namespace' || kind === 'Kustomization') continue;
    assert.equal(obj.metadata.namespace, 'forkwatch', `${kind} namespace`);
  }
  assert.equal(objects.get('Namespace').metadata.labels['pod-security.kubernetes.io/enforce'], 'privileged', 'hostPID needs it');
  const files = readdirSync(join(REPO_ROOT, DIR)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  assert.deepEqual([...objects.get('Kustomization').resources].sort(), files);
});

test('DaemonSet: hostPID, capabilities drop ALL and add only what the systemd unit has, locked down otherwise', () => {
  assert.equal(pod.hostPID, true);
  assert.notEqual(pod.hostNetwork, true);
  assert.notEqual(pod.hostIPC, true);
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(pod.containers.length, 1);
  const sc = container.securityContext;
  assert.deepEqual(sc.capabilities.drop, ['ALL']);
  const unitCaps = (/^AmbientCapabilities=(.*)$/m.exec(readRepoFile('deploy/systemd/forkwatch.service'))?.[1] ?? '')
    .trim()
    .split(/\s+/)
    .map((c) => c.replace(/^CAP_/, ''))
    .sort();
  assert.deepEqual([...sc.capabilities.add].sort(), unitCaps);
  assert.ok(sc.capabilities.add.includes('SYS_PTRACE'));
  assert.equal(sc.privileged, false);
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.equal(sc.readOnlyRootFilesystem, true);
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  // uid 0 only because capabilities need it (no ambient capabilities for non-root in Kubernetes).
  assert.ok(sc.runAsNonRoot === true || (sc.runAsUser === 0 && sc.capabilities.add.length > 0));
  for (const v of pod.volumes) {
    if (v.hostPath) assert.equal(v.hostPath.path, '/var/lib/forkwatch', 'no host path but the state directory');
  }
});

test('DaemonSet: resources, node selector, probes on /healthz and /readyz at the configured port', () => {
  for (const k of ['requests', 'limits']) {
    assert.ok(container.resources[k].cpu, `${k}.cpu`);
    assert.ok(container.resources[k].memory, `${k}.memory`);
  }
  assert.ok(Object.keys(pod.nodeSelector ?? {}).length > 0, 'nodeSelector');
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  const cfg = parseYaml(objects.get('ConfigMap').data['forkwatch.yml']);
  const port = container.ports.find((p: any) => p.name === container.livenessProbe.httpGet.port);
  assert.ok(port, 'the probes name a container port');
  assert.equal(container.readinessProbe.httpGet.port, port.name);
  assert.equal(port.containerPort, cfg.listen.port);
  assert.equal(cfg.listen.host, '0.0.0.0', 'probes and Prometheus reach the pod IP');
});

test('DaemonSet mounts what the ConfigMap config names: the config file, the token Secret, the state directory', () => {
  const cfg = parseYaml(objects.get('ConfigMap').data['forkwatch.yml']);
  const mounts = new Map<string, any>(container.volumeMounts.map((m: any) => [m.name, m]));
  const volumes = new Map<string, any>(pod.volumes.map((v: any) => [v.name, v]));
  const configArg = container.args[container.args.indexOf('--config') + 1];
  const cfgMount = [...mounts.values()].find((m) => m.mountPath === configArg);
  assert.ok(cfgMount, `--config ${configArg} is mounted`);
  assert.equal(volumes.get(cfgMount.name).configMap.name, objects.get('ConfigMap').metadata.name);
  assert.ok(objects.get('ConfigMap').data[cfgMount.subPath]);
  const tokenDir = posix.dirname(cfg.auth.tokenFile);
  const authMount = [...mounts.values()].find((m) => m.mountPath === tokenDir);
  assert.ok(authMount, `auth.tokenFile's directory ${tokenDir} is mounted`);
  assert.ok(volumes.get(authMount.name).secret.secretName);
  assert.equal(posix.basename(cfg.auth.tokenFile), 'token');
  assert.ok([...mounts.values()].some((m) => m.mountPath === cfg.stateDir && !m.readOnly), 'stateDir is a writable mount');
  assert.ok([...mounts.values()].some((m) => m.mountPath === '/tmp'), 'a writable /tmp beside the read-only root');
});

test("the ConfigMap's forkwatch.yml passes the real forkwatch check-config", () => {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-k8s-'));
  try {
    writeFileSync(join(dir, 'forkwatch.yml'), objects.get('ConfigMap').data['forkwatch.yml']);
    writeFileSync(join(dir, 'token'), 'a'.repeat(64));
    chmodSync(join(dir, 'token'), 0o400); // the Secret volume's defaultMode: forkwatch refuses a token file others can read
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FORKWATCH_')));
    const r = runTool(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'check-config', '--config', join(dir, 'forkwatch.yml')], {
      env: { ...clean, FORKWATCH_AUTH_TOKEN_FILE: join(dir, 'token') },
    });
    assert.equal(r.status, 0, describeResult(r));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Service and the PodMonitor select the DaemonSet pods by a label they carry, on the named port', () => {
  const labels = ds.spec.template.metadata.labels;
  const matches = (sel: Record<string, string>): boolean => Object.entries(sel).every(([k, v]) => labels[k] === v);
  assert.ok(matches(ds.spec.selector.matchLabels));
  const svc = objects.get('Service');
  assert.ok(matches(svc.spec.selector));
  assert.equal(svc.spec.ports[0].targetPort, 'http-metrics');
  const pm = objects.get('PodMonitor');
  assert.ok(matches(pm.spec.selector.matchLabels));
  assert.deepEqual(pm.spec.namespaceSelector.matchNames, ['forkwatch']);
  assert.equal(pm.spec.podMetricsEndpoints[0].port, 'http-metrics');
  assert.equal(pm.spec.podMetricsEndpoints[0].path, '/metrics');
});

test('prometheusrule.yaml carries exactly the groups of deploy/prometheus/forkwatch.rules.yml', () => {
  const want = prometheusRuleText();
  if (process.env.FORKWATCH_UPDATE_GOLDEN === '1') writeFileSync(join(REPO_ROOT, DIR, 'prometheusrule.yaml'), want);
  assert.deepEqual(objects.get('PrometheusRule').spec, parseYaml(readRepoFile('deploy/prometheus/forkwatch.rules.yml')));
  assert.equal(readRepoFile(`${DIR}/prometheusrule.yaml`), want);
});
