/**
 * Load the configuration: embedded defaults ← YAML file ← FORKWATCH_* environment.
 * Validated once, against schema.ts; any error is a ConfigError naming the key.
 */
import { compileSafeRegex, type SafeRegex } from '../util/safe-regex.js';
import { Ajv, type ErrorObject } from 'ajv';
import { weakLazy } from '../util/weak-lazy.js';
import { parse as parseYaml } from 'yaml';
import { validateDetailed } from 'node-cron';
import { ConfigSchema, CRON_KEYS, DURATION_DEFAULTS, type RawConfig } from './schema.js';
import { ConfigError } from './errors.js';
import { parseDuration } from './duration.js';
import type { Config, TargetConfig } from './config.js';
import { envOverrides } from './env.js';
import { resolveToken, resolveWebhookUrl } from './secrets.js';
import { BoundedReadError, readFileBounded } from '../util/read-file-bounded.js';

export interface LoadOptions {
  /** Path of the YAML file; undefined: FORKWATCH_CONFIG, else embedded defaults only. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

const configValidator = weakLazy(() =>
  new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true }).compile(ConfigSchema),
);

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const file = opts.file || env.FORKWATCH_CONFIG || undefined;
  const fileKey = opts.file ? '--config' : 'FORKWATCH_CONFIG';
  const fromFile = retentionShorthand(file ? readConfigFile(file, fileKey) : {});
  const merged = mergeDeep(fromFile, envOverrides(retentionEnvShorthand(env)));
  return resolveConfig(merged, file ?? 'environment', env);
}

/** Validate plain data (already merged) and resolve it. Exported for tests and the API. */
export function resolveConfig(data: unknown, source = 'config', env: NodeJS.ProcessEnv = process.env): Config {
  const copy = retentionShorthand(structuredClone(data ?? {}));
  const validate = configValidator();
  if (!validate(copy)) throw toConfigError(validate.errors ?? [], copy, source);
  const raw = copy as RawConfig;
  const config: Config = {
    targets: raw.targets.map((t, i) => resolveTarget(t, i, source)),
    hungAfterMs: duration(raw, 'hungAfter', source),
    intervalMs: positive(raw, 'interval', source),
    rediscoverIntervalMs: positive(raw, 'rediscoverInterval', source),
    procRoot: raw.procRoot,
    source: raw.source,
    tools: raw.tools,
    capture: {
      enabled: raw.capture.enabled,
      order: raw.capture.order,
      timeoutMs: positive(raw, 'capture.timeout', source),
      maxOutputBytes: raw.capture.maxOutputBytes,
      concurrency: raw.capture.concurrency,
      recaptureAfterMs: duration(raw, 'capture.recaptureAfter', source),
      secondLook: raw.capture.secondLook,
    },
    signatures: { paths: raw.signatures.paths },
    audit: { rulePaths: raw.audit.rules.paths },
    stateDir: raw.stateDir,
    retentionMs: duration(raw, 'retention.keep', source),
    schedules: {
      retention: cron(raw, 'retention.schedule', source)!,
      audit: cron(raw, 'audit.schedule', source)!,
      digest: cron(raw, 'alerts.slack.digest', source),
    },
    timezone: timezone(raw.timezone, source),
    listen: raw.listen,
    authToken: resolveToken(
      { inline: raw.auth.token, inlineKey: 'auth.token', file: raw.auth.tokenFile, fileKey: 'auth.tokenFile' },
      env,
      source,
    ),
    publicUrl: raw.publicUrl ?? null,
    alerts: {
      slack: {
        webhookUrl: resolveWebhookUrl(
          {
            inline: raw.alerts.slack.webhookUrl,
            inlineKey: 'alerts.slack.webhookUrl',
            file: raw.alerts.slack.webhookUrlFile,
            fileKey: 'alerts.slack.webhookUrlFile',
          },
          env,
          source,
        ),
        repeatIntervalMs: duration(raw, 'alerts.slack.repeatInterval', source),
        timeoutMs: positive(raw, 'alerts.slack.timeout', source),
      },
      alertmanager: {
        urls: raw.alerts.alertmanager.urls,
        resendIntervalMs: positive(raw, 'alerts.alertmanager.resendInterval', source),
        timeoutMs: positive(raw, 'alerts.alertmanager.timeout', source),
      },
    },
    remediation: {
      mode: raw.remediation.mode,
      signatures: raw.remediation.signatures,
      minAgeMs: duration(raw, 'remediation.minAge', source),
    },
    threadDump: { enabled: raw.threadDump.enabled, timeoutMs: positive(raw, 'threadDump.timeout', source) },
    core: raw.core,
    redact: {
      patterns: raw.redact.patterns.map((pat, i) => compileRegex(`redact.patterns[${i}]`, pat, source) as SafeRegex),
    },
    log: raw.log,
  };
  if (config.schedules.digest && !config.alerts.slack.webhookUrl) {
    throw new ConfigError(
      'alerts.slack.digest',
      config.schedules.digest,
      'a digest needs a Slack webhook: set alerts.slack.webhookUrl or alerts.slack.webhookUrlFile',
      source,
    );
  }
  return config;
}

/** `key` is how the file was named: --config or FORKWATCH_CONFIG. */
function readConfigFile(file: string, key: string): unknown {
  let text: string;
  try {
    text = readFileBounded(file, MAX_CONFIG_BYTES).bytes.toString('utf8');
  } catch (err) {
    if (!(err instanceof BoundedReadError)) throw err;
    const what =
      err.problem === 'unreadable' ? 'cannot read the file' : `a regular file of at most ${MAX_CONFIG_BYTES} bytes`;
    throw new ConfigError(key, file, `${what}: ${err.message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(key, file, `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError('(top level)', doc, 'a mapping of keys to values', file);
  }
  return doc;
}

function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function duration(raw: RawConfig, key: keyof typeof DURATION_DEFAULTS, source: string): number {
  const value = getPath(raw, key) ?? DURATION_DEFAULTS[key];
  const ms = parseDuration(value);
  if (ms === null)
    throw new ConfigError(
      key,
      value,
      'a duration such as "500ms", "15s", "5m", "4h", "30d" or a number of seconds',
      source,
    );
  return ms;
}

function positive(raw: RawConfig, key: keyof typeof DURATION_DEFAULTS, source: string): number {
  const ms = duration(raw, key, source);
  if (ms <= 0) throw new ConfigError(key, getPath(raw, key), 'a duration greater than zero', source);
  return ms;
}

/** Validated with node-cron's own parser (the one that will schedule it); null when unset. */
function cron(raw: RawConfig, key: (typeof CRON_KEYS)[number], source: string): string | null {
  const value = getPath(raw, key);
  if (value === undefined) return null;
  const text = String(value);
  const v = validateDetailed(text);
  if (v.valid) return text;
  const why = v.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  throw new ConfigError(
    key,
    value,
    `a cron expression: minute hour day-of-month month day-of-week, optionally seconds first (${why || 'invalid'})`,
    source,
  );
}

/** The host's zone unless set; an unknown name is refused by Intl itself, the zone database node-cron uses. */
function timezone(value: string | undefined, source: string): string {
  if (value === undefined) return Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    throw new ConfigError('timezone', value, 'an IANA time zone name such as "Europe/Paris" or "UTC"', source);
  }
}

/** `retention: 30d` (the key before schedules existed) still means `retention: { keep: 30d }`. */
function retentionShorthand(doc: unknown): unknown {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return doc;
  const r = (doc as Record<string, unknown>).retention;
  if (typeof r !== 'string' && typeof r !== 'number') return doc;
  return { ...(doc as Record<string, unknown>), retention: { keep: r } };
}

/** FORKWATCH_RETENTION, likewise, is FORKWATCH_RETENTION_KEEP. */
function retentionEnvShorthand(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.FORKWATCH_RETENTION === undefined) return env;
  const { FORKWATCH_RETENTION: keep, ...rest } = env;
  return { FORKWATCH_RETENTION_KEEP: keep, ...rest };
}

function compileRegex(key: string, pattern: string | undefined, source: string): SafeRegex | undefined {
  if (pattern === undefined) return undefined;
  try {
    return compileSafeRegex(pattern);
  } catch (err) {
    throw new ConfigError(
      key,
      pattern,
      `a linear-time regular expression, RE2 syntax (${(err as Error).message})`,
      source,
    );
  }
}

function resolveTarget(t: RawConfig['targets'][number], i: number, source: string): TargetConfig {
  const key = `targets[${i}]`;
  if (t.pid === undefined && !t.pidfile && !t.cmdline && !t.exe && !t.user) {
    throw new ConfigError(key, t, 'a target needs at least one of pid, pidfile, cmdline, exe, user', source);
  }
  const out: TargetConfig = { name: t.name };
  if (t.pid !== undefined) out.pid = t.pid;
  if (t.pidfile) out.pidfile = t.pidfile;
  const cmdline = compileRegex(`${key}.cmdline`, t.cmdline, source);
  const exe = compileRegex(`${key}.exe`, t.exe, source);
  const user = compileRegex(`${key}.user`, t.user, source);
  if (cmdline) out.cmdline = cmdline;
  if (exe) out.exe = exe;
  if (user) out.user = user;
  return out;
}

function instanceKey(path: string): string {
  return path
    .split('/')
    .filter(Boolean)
    .map((p, i) => (/^[0-9]+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

const SECRET_KEYS = new Set(['auth.token', 'alerts.slack.webhookUrl']);

/** Turn ajv's errors into one ConfigError about the first offending key. */
function toConfigError(errors: ErrorObject[], data: unknown, source: string): ConfigError {
  const first = errors.find((e) => e.keyword === 'additionalProperties') ?? errors[0];
  if (!first) return new ConfigError('', data, 'invalid configuration', source);
  if (first.keyword === 'additionalProperties') {
    const extra = (first.params as { additionalProperty: string }).additionalProperty;
    const base = instanceKey(first.instancePath);
    const key = base ? `${base}.${extra}` : extra;
    const parentSchema = first.parentSchema as { properties?: Record<string, unknown> } | undefined;
    const known = Object.keys(parentSchema?.properties ?? {}).join(', ');
    return new ConfigError(
      key,
      getAt(data, first.instancePath + '/' + extra),
      `unknown key; allowed here: ${known}`,
      source,
    );
  }
  const sameKey = errors.filter((e) => e.instancePath === first.instancePath);
  const consts = sameKey
    .filter((e) => e.keyword === 'const')
    .map((e) => JSON.stringify((e.params as { allowedValue: unknown }).allowedValue));
  const key = instanceKey(first.instancePath);
  // An error message goes to a terminal or a journal: never the secret itself.
  const value = SECRET_KEYS.has(key) ? '<redacted>' : getAt(data, first.instancePath);
  if (consts.length > 0) {
    const types = sameKey.filter((e) => e.keyword === 'type').map((e) => `a ${(e.params as { type: string }).type}`);
    return new ConfigError(key, value, `one of ${[...consts, ...types].join(', ')}`, source);
  }
  const union = sameKey.find((e) => e.keyword === 'anyOf');
  const described = (union?.parentSchema as { description?: string } | undefined)?.description;
  if (described) return new ConfigError(key, value, described, source);
  const msgs = [...new Set(sameKey.filter((e) => e.keyword !== 'anyOf').map((e) => e.message ?? 'invalid'))];
  return new ConfigError(key, value, msgs.join('; '), source);
}

function getAt(data: unknown, pointer: string): unknown {
  let cur: unknown = data;
  for (const part of pointer.split('/').filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function mergeDeep(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (
    a === null ||
    typeof a !== 'object' ||
    Array.isArray(a) ||
    b === null ||
    typeof b !== 'object' ||
    Array.isArray(b)
  )
    return b;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = mergeDeep(out[k], v);
  return out;
}

/** The effective config with secrets redacted, for `check-config` and the API. */
export function redactConfig(cfg: Config): Record<string, unknown> {
  return {
    ...cfg,
    targets: cfg.targets.map((t) => ({
      ...t,
      cmdline: t.cmdline?.source,
      exe: t.exe?.source,
      user: t.user?.source,
    })),
    redact: { patterns: cfg.redact.patterns.map((p) => p.source) },
    authToken: cfg.authToken ? '<redacted>' : null,
    alerts: {
      ...cfg.alerts,
      slack: { ...cfg.alerts.slack, webhookUrl: cfg.alerts.slack.webhookUrl ? '<redacted>' : null },
    },
  };
}
