#!/usr/bin/env node
// Cuts test/fixtures/kubernetes-schemas/ out of a Kubernetes OpenAPI v2 document
// (api/openapi-spec/swagger.json of a Kubernetes release): the definitions of
// the kinds deploy/kubernetes uses and everything they reference, with the
// descriptions dropped (size) and nothing else changed.
//
//   node scripts/container-k8s-schemas.mjs SWAGGER_JSON VERSION
import { readFileSync, writeFileSync } from 'node:fs';

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
const strip = (node) => {
  if (Array.isArray(node)) return node.map(strip);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k]) => k !== 'description')
      .map(([k, v]) => [k, k === 'properties' ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, strip(s)])) : strip(v)]),
  );
};
const queue = [...ROOTS];
while (queue.length > 0) {
  const name = queue.shift();
  if (keep.has(name)) continue;
  if (!all[name]) throw new Error(`${name} is not defined in ${swaggerPath}`);
  keep.set(name, strip(all[name]));
  queue.push(...refsOf(all[name], []));
}
const out = { kubernetesVersion: version, roots: ROOTS, definitions: Object.fromEntries([...keep].sort(([a], [b]) => a.localeCompare(b))) };
const target = `test/fixtures/kubernetes-schemas/${version}.json`;
writeFileSync(target, JSON.stringify(out, null, 1) + '\n');
console.log(`${target}: ${keep.size} definitions`);
