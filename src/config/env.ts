/**
 * FORKWATCH_* environment overrides. Each leaf key of the schema has one name:
 * listen.port → FORKWATCH_LISTEN_PORT, alerts.slack.webhookUrl →
 * FORKWATCH_ALERTS_SLACK_WEBHOOK_URL, hungAfter → FORKWATCH_HUNG_AFTER.
 * Arrays take JSON or comma-separated text; `targets` takes JSON.
 */
import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema } from './schema.js';
import { ConfigError } from './errors.js';

/** Variables that are not config keys. */
const NOT_KEYS = new Set(['FORKWATCH_CONFIG', 'FORKWATCH_UPDATE_GOLDEN']);

interface Leaf {
  path: string[];
  schema: TSchema;
}

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function leaves(schema: TSchema, path: string[] = []): Leaf[] {
  const props = (schema as { properties?: Record<string, TSchema> }).properties;
  if (schema.type === 'object' && props) {
    return Object.entries(props).flatMap(([k, s]) => leaves(s, [...path, k]));
  }
  return [{ path, schema }];
}

const LEAVES = new Map(leaves(ConfigSchema).map((l) => [`FORKWATCH_${l.path.map(snake).join('_')}`, l]));

export function envVarNames(): string[] {
  return [...LEAVES.keys()];
}

function kinds(schema: TSchema): Set<string> {
  const out = new Set<string>();
  const walk = (s: TSchema): void => {
    const anyOf = (s as { anyOf?: TSchema[] }).anyOf;
    if (anyOf) anyOf.forEach(walk);
    else if (typeof s.type === 'string') out.add(s.type);
  };
  walk(schema);
  return out;
}

function coerce(name: string, text: string, leaf: Leaf): unknown {
  const k = kinds(leaf.schema);
  if (k.has('array') || (k.has('object') && !k.has('string'))) {
    if (text.trim().startsWith('[') || text.trim().startsWith('{')) {
      try {
        return JSON.parse(text);
      } catch {
        throw new ConfigError(name, text, 'valid JSON');
      }
    }
    return text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (k.has('boolean') && /^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  if ((k.has('integer') || k.has('number')) && /^-?[0-9]+(\.[0-9]+)?$/.test(text.trim())) {
    return k.has('string') && !/^[0-9]+$/.test(text.trim()) ? text : Number(text);
  }
  return text;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const part of path.slice(0, -1)) {
    if (typeof cur[part] !== 'object' || cur[part] === null) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[path[path.length - 1] as string] = value;
}

export function envOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith('FORKWATCH_') || NOT_KEYS.has(name) || text === undefined) continue;
    const leaf = LEAVES.get(name);
    if (!leaf) {
      throw new ConfigError(
        name,
        text,
        `unknown environment variable; known: ${envVarNames().join(', ')}`,
        'environment',
      );
    }
    setPath(out, leaf.path, coerce(name, text, leaf));
  }
  return out;
}
