/** Shared option parsing for subcommands (node:util parseArgs, strict). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../config/errors.js';

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new ConfigError(`forkwatch ${command}`, argv.join(' '), (err as Error).message);
  }
}

export const CONFIG_OPTION = { config: { type: 'string', short: 'c' } } as const;
