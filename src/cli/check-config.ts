import { stringify } from 'yaml';
import { loadConfig, redactConfig } from '../config/load.js';
import { loadMatcher } from '../stages/build.js';
import { loadAuditRules } from '../audit/daemon/extension.js';
import { silentLogger } from '../util/logger.js';
import { CONFIG_OPTION, parseCommandArgs } from './args.js';

/** forkwatch check-config [--config FILE] [--json]: 0 valid, 78 invalid (the signature and fork-risk rule files included). */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('check-config', argv, { ...CONFIG_OPTION, json: { type: 'boolean' } });
  const config = loadConfig({ file: values.config });
  // What `run` would refuse at start, refused here too: signatures.paths must load.
  loadMatcher(config, silentLogger());
  loadAuditRules(config);
  const cfg = redactConfig(config);
  process.stdout.write(values.json ? `${JSON.stringify(cfg, null, 2)}\n` : stringify(cfg));
  return 0;
}
