#!/usr/bin/env node
// Cuts test/fixtures/kubernetes-schemas/ out of a Kubernetes OpenAPI v2 document
// (api/openapi-spec/swagger.json of a Kubernetes release): the definitions of
// the kinds deploy/kubernetes uses and everything they reference, with the
// descriptions dropped (size) and nothing else changed.
//
//   node scripts/container-k8s-schemas.mjs SWAGGER_JSON VERSION
//
// With --crds, the openAPIV3Schema of each served version of CustomResource-
// Definitions (the Prometheus Operator's, for PodMonitor and PrometheusRule):
//
//   node scripts/container-k8s-schemas.mjs --crds NAME-VERSION CRD_YAML...
import { readFileSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** The schema without its descriptions (size); a property named "description" stays. */
const strip = (node) => {
  if (Array.isArray(node)) return node.map(strip);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k]) => k !== 'description')
      .map(([k, v]) => [
        k,
        k === 'properties' ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, strip(s)])) : strip(v),
      ]),
  );
};

if (process.argv[2] === '--crds') {
  const [name, ...files] = process.argv.slice(3);
  if (!/^[a-z-]+-v\d+\.\d+\.\d+$/.test(name ?? '') || files.length === 0) {
    console.error('usage: container-k8s-schemas.mjs --crds NAME-vMAJOR.MINOR.PATCH CRD_YAML...');
    process.exit(64);
  }
  const kinds = {};
  for (const file of files) {
    const crd = parseYaml(readFileSync(file, 'utf8'));
    for (const v of crd.spec.versions.filter((x) => x.served)) {
      kinds[`${crd.spec.group}/${v.name} ${crd.spec.names.kind}`] = strip(v.schema.openAPIV3Schema);
    }
  }
  const target = `test/fixtures/kubernetes-schemas/${name}.json`;
  writeFileSync(target, JSON.stringify({ source: name, kinds }, null, 1) + '\n');
  console.log(`${target}: ${Object.keys(kinds).join(', ')}`);
  process.exit(0);
}

const [swaggerPath, version] = process.argv.slice(2);
if (!swaggerPath || !/^v\d+\.\d+\.\d+$/.test(version ?? '')) {
  console.error('usage: container-k8s-schemas.mjs SWAGGER_JSON vMAJOR.MINOR.PATCH');
  process.exit(64);
}
const ROOTS = [
  'io.k8s.api.core.v1.Namespace',
  'io.k8s.api.core.v1.ServiceAccount',
  'io.k8s.api.core.v1.ConfigMap',
  'io.k8s.api.core.v1.Service',
  'io.k8s.api.apps.v1.DaemonSet',
];
const all = JSON.parse(readFileSync(swaggerPath, 'utf8')).definitions;
const keep = new Map();
const refsOf = (node, out) => {
  if (Array.isArray(node)) node.forEach((n) => refsOf(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v.replace('#/definitions/', ''));
      else refsOf(v, out);
    }
  }
  return out;
};
const queue = [...ROOTS];
while (queue.length > 0) {
  const name = queue.shift();
  if (keep.has(name)) continue;
  if (!all[name]) throw new Error(`${name} is not defined in ${swaggerPath}`);
  keep.set(name, strip(all[name]));
  queue.push(...refsOf(all[name], []));
}
const out = {
  kubernetesVersion: version,
  roots: ROOTS,
  definitions: Object.fromEntries([...keep].sort(([a], [b]) => a.localeCompare(b))),
};
const target = `test/fixtures/kubernetes-schemas/${version}.json`;
writeFileSync(target, JSON.stringify(out, null, 1) + '\n');
console.log(`${target}: ${keep.size} definitions`);
