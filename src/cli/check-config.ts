import { stringify } from 'yaml';
import { loadConfig, redactConfig } from '../config/load.js';
import { CONFIG_OPTION, parseCommandArgs } from './args.js';

/** forkwatch check-config [--config FILE] [--json]: 0 valid, 78 invalid. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('check-config', argv, { ...CONFIG_OPTION, json: { type: 'boolean' } });
  const cfg = redactConfig(loadConfig({ file: values.config }));
  process.stdout.write(values.json ? `${JSON.stringify(cfg, null, 2)}\n` : stringify(cfg));
  return 0;
}
