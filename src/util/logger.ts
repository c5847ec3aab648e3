/** pino, JSON by default, readable on a TTY (log.pretty: auto). */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(opts: { level: string; pretty: 'auto' | boolean; destination?: number }): Logger {
  const pretty = opts.pretty === 'auto' ? Boolean(process.stdout.isTTY) : opts.pretty;
  const base = { level: opts.level, base: { service: 'forkwatch' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, destination: opts.destination ?? 1 } } });
  }
  return pino(base, pino.destination({ fd: opts.destination ?? 1, sync: false }));
}

/** For tests and one-shot commands that must not print logs to stdout. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
