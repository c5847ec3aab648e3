/**
 * The one place the configuration is described. Every key has its default
 * here; load.ts validates a YAML file plus FORKWATCH_* overrides against it.
 * Durations are written as "15s", "4h", "30d" (or a number of seconds) and
 * resolved to milliseconds by load.ts.
 */
import { Type, type Static } from '@sinclair/typebox';

export const Duration = Type.Union(
  [Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$' }), Type.Number({ minimum: 0 })],
  { description: 'a duration: "500ms", "15s", "5m", "4h", "30d", or a number of seconds' },
);

export const TargetSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }),
    pid: Type.Optional(Type.Integer({ minimum: 1 })),
    pidfile: Type.Optional(Type.String({ minLength: 1 })),
    cmdline: Type.Optional(
      Type.String({ minLength: 1, description: 'regex on the command line (args joined by spaces)' }),
    ),
    exe: Type.Optional(Type.String({ minLength: 1, description: 'regex on the executable path' })),
    user: Type.Optional(Type.String({ minLength: 1, description: 'regex on the user name or numeric uid' })),
  },
  { additionalProperties: false },
);

export const DEFAULT_TARGET_CMDLINE =
  '(jenkins\\.war|jenkins\\.jar|hudson\\.Main|agent\\.jar|remoting\\.jar|slave\\.jar)';

const CaptureTool = Type.Union([
  Type.Literal('eu-stack'),
  Type.Literal('gdb'),
  Type.Literal('pstack'),
  Type.Literal('gstack'),
]);

export const ConfigSchema = Type.Object(
  {
    targets: Type.Array(TargetSchema, {
      default: [{ name: 'jenkins', cmdline: DEFAULT_TARGET_CMDLINE }],
      minItems: 1,
    }),
    hungAfter: Type.Optional(Duration),
    interval: Type.Optional(Duration),
    rediscoverInterval: Type.Optional(Duration),
    procRoot: Type.String({ default: '/proc', minLength: 1 }),
    source: Type.Union([Type.Literal('auto'), Type.Literal('procfs'), Type.Literal('ps')], { default: 'auto' }),
    tools: Type.Object(
      {
        ps: Type.String({ default: 'ps' }),
        ptree: Type.String({ default: 'ptree' }),
        euStack: Type.String({ default: 'eu-stack' }),
        gdb: Type.String({ default: 'gdb' }),
        pstack: Type.String({ default: 'pstack' }),
        gstack: Type.String({ default: 'gstack' }),
        jcmd: Type.String({ default: 'jcmd' }),
        gcore: Type.String({ default: 'gcore' }),
      },
      { default: {}, additionalProperties: false },
    ),
    capture: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        order: Type.Array(CaptureTool, { default: ['eu-stack', 'pstack', 'gstack', 'gdb'], minItems: 1 }),
        timeout: Type.Optional(Duration),
        maxOutputBytes: Type.Integer({ default: 1048576, minimum: 1024, maximum: 67108864 }),
        concurrency: Type.Integer({ default: 2, minimum: 1, maximum: 16 }),
        recaptureAfter: Type.Optional(Duration),
        secondLook: Type.Boolean({ default: true }),
      },
      { default: {}, additionalProperties: false },
    ),
    signatures: Type.Object(
      {
        paths: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
      },
      { default: {}, additionalProperties: false },
    ),
    audit: Type.Object(
      {
        rules: Type.Object(
          { paths: Type.Array(Type.String({ minLength: 1 }), { default: [] }) },
          { default: {}, additionalProperties: false },
        ),
        schedule: Type.String({ default: '23 4 * * *', minLength: 1, description: 'a cron expression' }),
      },
      { default: {}, additionalProperties: false },
    ),
    stateDir: Type.String({ default: './var', minLength: 1 }),
    retention: Type.Object(
      {
        keep: Type.Optional(Duration),
        schedule: Type.String({ default: '17 3 * * *', minLength: 1, description: 'a cron expression' }),
      },
      { default: {}, additionalProperties: false },
    ),
    timezone: Type.Optional(Type.String({ minLength: 1, description: 'an IANA time zone name' })),
    listen: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1', minLength: 1 }),
        port: Type.Integer({ default: 9710, minimum: 0, maximum: 65535 }),
      },
      { default: {}, additionalProperties: false },
    ),
    auth: Type.Object(
      {
        token: Type.Optional(Type.String({ minLength: 16 })),
        tokenFile: Type.Optional(Type.String({ minLength: 1 })),
      },
      { default: {}, additionalProperties: false },
    ),
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    alerts: Type.Object(
      {
        slack: Type.Object(
          {
            webhookUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
            webhookUrlFile: Type.Optional(Type.String({ minLength: 1 })),
            repeatInterval: Type.Optional(Duration),
            timeout: Type.Optional(Duration),
            digest: Type.Optional(Type.String({ minLength: 1, description: 'a cron expression' })),
          },
          { default: {}, additionalProperties: false },
        ),
        alertmanager: Type.Object(
          {
            urls: Type.Array(Type.String({ pattern: '^https?://' }), { default: [] }),
            resendInterval: Type.Optional(Duration),
            timeout: Type.Optional(Duration),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    remediation: Type.Object(
      {
        mode: Type.Union([Type.Literal('off'), Type.Literal('dry-run'), Type.Literal('kill')], { default: 'off' }),
        signatures: Type.Array(Type.String({ minLength: 1 }), {
          default: ['*'],
          description: 'signature ids that qualify; "*" any signature, "proven-blocked" kernel proof alone',
        }),
        minAge: Type.Optional(Duration),
      },
      { default: {}, additionalProperties: false },
    ),
    threadDump: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        timeout: Type.Optional(Duration),
      },
      { default: {}, additionalProperties: false },
    ),
    core: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        maxBytes: Type.Integer({ default: 268435456, minimum: 1048576 }),
      },
      { default: {}, additionalProperties: false },
    ),
    redact: Type.Object(
      {
        patterns: Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), {
          default: [],
          maxItems: 64,
          description:
            'RE2 regexes: each match is replaced by <redacted> in everything forkwatch shows (API, page, bundle, alerts, logs), beside the built-in rules',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info' },
        ),
        pretty: Type.Union([Type.Literal('auto'), Type.Boolean()], { default: 'auto' }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type RawConfig = Static<typeof ConfigSchema>;

/** Cron keys (dotted paths): validated by load.ts with node-cron's own validator. */
export const CRON_KEYS = ['retention.schedule', 'audit.schedule', 'alerts.slack.digest'] as const;

/** Duration keys (dotted paths) and their embedded defaults, in seconds-text form. */
export const DURATION_DEFAULTS = {
  hungAfter: '60s',
  interval: '15s',
  rediscoverInterval: '60s',
  'capture.timeout': '10s',
  'capture.recaptureAfter': '0s',
  'retention.keep': '30d',
  'alerts.slack.repeatInterval': '4h',
  'alerts.slack.timeout': '10s',
  'alerts.alertmanager.resendInterval': '60s',
  'alerts.alertmanager.timeout': '10s',
  'remediation.minAge': '0s',
  'threadDump.timeout': '10s',
} as const;
