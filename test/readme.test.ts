/** The README stays true: its config table names every schema key, its first lines are the two commands. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema } from '../src/config/schema.js';
import { REPO_ROOT } from './helpers/native-build.js';

const readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8');

function leafKeys(schema: TSchema, path: string[] = []): string[] {
  const props = (schema as { properties?: Record<string, TSchema> }).properties;
  if (schema.type === 'object' && props) return Object.entries(props).flatMap(([k, s]) => leafKeys(s, [...path, k]));
  return [path.join('.')];
}

test('README: the configuration table names every key of the schema, and no other', () => {
  const section = readme.split('## Configuration')[1]?.split('\n## ')[0] ?? '';
  const tableKeys = new Set(
    [...section.matchAll(/^\| (.+?) \|/gm)].flatMap((m) =>
      [...(m[1] ?? '').matchAll(/`([a-zA-Z.]+)`/g)].map((k) => k[1]),
    ),
  );
  const schemaKeys = leafKeys(ConfigSchema);
  const missing = schemaKeys.filter((k) => !tableKeys.has(k));
  assert.deepEqual(missing, [], `keys missing from the README table: ${missing.join(', ')}`);
  const unknown = [...tableKeys].filter((k) => k && k !== 'key' && !schemaKeys.includes(k as string));
  assert.deepEqual(unknown, [], `README documents keys the schema lacks: ${unknown.join(', ')}`);
});

test('README: starts with the install-and-run and the test commands, and .ci/run runs the latter', () => {
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const lines = firstBlock
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('#')[0]!.trim());
  assert.deepEqual(lines, ['npm ci && npm start', 'npm ci && npm test']);
  assert.ok(readme.indexOf('```sh') < readme.indexOf('## '), 'the commands come before any section');
  const ci = readFileSync(`${REPO_ROOT}/.ci/run`, 'utf8');
  assert.match(ci, /^npm ci && npm test$/m);
  assert.match(ci, /apt-get update/);
});
