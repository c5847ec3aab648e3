/**
 * pino, JSON by default, readable on a TTY (log.pretty: auto). Every log line
 * goes through the process's redaction policy (src/util/redact.ts): log
 * objects field by field (before serialisation, so JSON escaping cannot hide a
 * secret from a rule) and the message with its format arguments.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';
import { redactDeep, redactText } from './redact.js';

export type { Logger };

/** Errors as plain data (pino's err serializer passes those through): their message and stack get redacted too. */
function plainErrors(v: unknown): unknown {
  if (v instanceof Error) {
    const own = Object.fromEntries(Object.entries(v));
    return {
      type: v.constructor.name,
      message: v.message,
      stack: v.stack,
      ...own,
      ...(v.cause !== undefined ? { cause: plainErrors(v.cause) } : {}),
    };
  }
  return v;
}

export const REDACTING_OPTIONS: Pick<LoggerOptions, 'formatters' | 'hooks'> = {
  formatters: {
    log(obj) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(obj)) out[k] = redactDeep(plainErrors(v));
      return out;
    },
  },
  hooks: {
    logMethod(args, method) {
      const redacted = args.map((a) =>
        typeof a === 'string' ? redactText(a) : a instanceof Error ? plainErrors(a) : a,
      );
      return method.apply(this, redacted as Parameters<typeof method>);
    },
  },
};

export function createLogger(opts: { level: string; pretty: 'auto' | boolean; destination?: number }): Logger {
  const pretty = opts.pretty === 'auto' ? Boolean(process.stdout.isTTY) : opts.pretty;
  const base = {
    level: opts.level,
    base: { service: 'forkwatch' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...REDACTING_OPTIONS,
  };
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, destination: opts.destination ?? 1 } },
    });
  }
  return pino(base, pino.destination({ fd: opts.destination ?? 1, sync: false }));
}

/** For tests and one-shot commands that must not print logs to stdout. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
