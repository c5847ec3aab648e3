/**
 * deploy/kubernetes: every manifest parses, and the invariants that make the
 * DaemonSet both able to watch and otherwise locked down hold; the ConfigMap's
 * forkwatch.yml passes the real check-config; selectors, ports and mounts
 * agree across files. No cluster here: nothing is applied.
 *
 * Every object is validated against the Kubernetes OpenAPI schemas, and the
 * PodMonitor and PrometheusRule against the Prometheus Operator's CRDs
 * (test/fixtures/kubernetes-schemas/, vendored: no kubeconform on npm or in
 * Debian), strictly as kubeconform -strict does: unknown fields are errors.
 *
 * prometheusrule.yaml is deploy/prometheus/forkwatch.rules.yml wrapped for the
 * Prometheus Operator; FORKWATCH_UPDATE_GOLDEN=1 regenerates it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { Ajv } from 'ajv';
import { RE2JS } from 're2js';
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
  const cfg = parseYaml(objects.get('ConfigMap').data['forkwatch.yml']);
  for (const v of pod.volumes.filter((x: any) => x.hostPath)) {
    const mount = container.volumeMounts.find((m: any) => m.name === v.name);
    if (v.hostPath.path === '/proc') assert.ok(mount.readOnly && mount.mountPath === cfg.procRoot, 'the node /proc: read-only, at procRoot');
    else assert.equal(v.hostPath.path, '/var/lib/forkwatch', 'no host path but /proc and the state directory');
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
    const r = runTool(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'check-config', '--config', join(dir, 'forkwatch.yml')], {
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

// ---- the Kubernetes OpenAPI schemas ------------------------------------------
const K8S_SCHEMAS = 'test/fixtures/kubernetes-schemas/v1.35.0.json';
const CRD_SCHEMAS = 'test/fixtures/kubernetes-schemas/prometheus-operator-v0.93.0.json';
/** kustomize's own file: no Kubernetes object. */
const NOT_AN_OBJECT = ['Kustomization'];

/**
 * The OpenAPI v2 definitions made JSON Schema the way kubeconform's
 * openapi2jsonschema does: int-or-string and quantities accept both types, and
 * an object with declared properties takes no other field (-strict).
 */
function jsonSchemaOf(def: any): any {
  if (Array.isArray(def)) return def.map(jsonSchemaOf);
  if (!def || typeof def !== 'object') return def;
  if (def.format === 'int-or-string' || def['x-kubernetes-int-or-string'] === true) return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
  const out: any = {};
  for (const [k, v] of Object.entries(def)) {
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, jsonSchemaOf(s)]));
    else out[k] = jsonSchemaOf(v);
  }
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (typeof out.pattern === 'string') {
    out[RE2_PATTERN] = out.pattern;
    delete out.pattern;
  }
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

const RE2_PATTERN = 'x-re2-pattern';
const re2Cache = new Map<string, RE2JS>();
function re2Test(pattern: string, data: string): boolean {
  let re = re2Cache.get(pattern);
  if (!re) re2Cache.set(pattern, (re = RE2JS.compile(pattern)));
  return re.test(data);
}

type Validator = (obj: unknown) => string[];
function validatorOf(ajv: Ajv, ref: string): Validator {
  const validate = ajv.getSchema(ref);
  assert.ok(validate, ref);
  return (obj) => (validate(obj) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`));
}

/** "apiVersion Kind" → validator: the built-in kinds (OpenAPI v2) and the Prometheus Operator's CRDs (openAPIV3Schema). */
function kubernetesValidators(): Map<string, Validator> {
  const vendored = JSON.parse(readRepoFile(K8S_SCHEMAS)) as { definitions: Record<string, any> };
  const definitions = Object.fromEntries(Object.entries(vendored.definitions).map(([n, d]) => [n, jsonSchemaOf(d)]));
  definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { oneOf: [{ type: 'string' }, { type: 'number' }] };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  // Kubernetes patterns are Go RE2 ((?i) and the like): matched with RE2 here too.
  ajv.addKeyword({ keyword: RE2_PATTERN, type: 'string', schemaType: 'string', validate: re2Test });
  ajv.addSchema({ $id: 'k8s', definitions });
  const out = new Map<string, Validator>();
  for (const [name, def] of Object.entries(vendored.definitions)) {
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      out.set(`${apiVersion} ${gvk.kind}`, validatorOf(ajv, `k8s#/definitions/${name}`));
    }
  }
  const crds = JSON.parse(readRepoFile(CRD_SCHEMAS)) as { kinds: Record<string, any> };
  for (const [gvk, schema] of Object.entries(crds.kinds)) {
    ajv.addSchema(jsonSchemaOf(schema), `crd:${gvk}`);
    out.set(gvk, validatorOf(ajv, `crd:${gvk}`));
  }
  return out;
}

const withoutFile = (obj: any): any => Object.fromEntries(Object.entries(obj).filter(([k]) => k !== '__file'));

test('every object validates against the Kubernetes v1.35.0 OpenAPI schemas (CRDs: Prometheus Operator v0.93.0), strictly', () => {
  const validators = kubernetesValidators();
  const unchecked: string[] = [];
  for (const [kind, obj] of objects) {
    const validate = validators.get(`${obj.apiVersion} ${kind}`);
    if (!validate) {
      unchecked.push(kind);
      continue;
    }
    assert.deepEqual(validate(withoutFile(obj)), [], `${obj.__file}: ${obj.apiVersion} ${kind}`);
  }
  assert.deepEqual(unchecked.sort(), NOT_AN_OBJECT, 'every kind has its schema vendored (scripts/container-k8s-schemas.mjs)');
});

test('the schema check fails on a misspelt field, a wrong type and a missing required field', () => {
  const validators = kubernetesValidators();
  const validate = validators.get('apps/v1 DaemonSet') as Validator;
  const copy = (): any => structuredClone(withoutFile(ds));
  const typo = copy();
  typo.spec.template.spec.containers[0].securityContex = typo.spec.template.spec.containers[0].securityContext;
  assert.match(validate(typo).join('\n'), /securityContex/);
  const wrongType = copy();
  wrongType.spec.template.spec.containers[0].securityContext.runAsUser = 'root';
  assert.match(validate(wrongType).join('\n'), /runAsUser must be integer/);
  const noImage = copy();
  delete noImage.spec.template.spec.containers[0].name;
  assert.match(validate(noImage).join('\n'), /must have required property 'name'/);
  assert.deepEqual(validate(copy()), []);
  const pm = structuredClone(withoutFile(objects.get('PodMonitor')));
  pm.spec.podMetricsEndpoints[0].intervall = '30s';
  assert.match((validators.get('monitoring.coreos.com/v1 PodMonitor') as Validator)(pm).join('\n'), /intervall/);
  delete pm.spec.podMetricsEndpoints[0].intervall;
  pm.spec.podMetricsEndpoints[0].interval = '30 seconds';
  assert.match((validators.get('monitoring.coreos.com/v1 PodMonitor') as Validator)(pm).join('\n'), /interval must pass "x-re2-pattern"/);
});
