/**
 * forkwatch bundle ID [--config F] [--out FILE]: write the incident's evidence
 * bundle (the same JSON as GET /api/v1/incidents/ID/bundle) from the store in
 * stateDir, to FILE or stdout. Safe beside a running daemon (SQLite WAL).
 * Exit: 0 written, 64 usage, 66 no store or no such incident, 73 the store
 * cannot be opened or FILE cannot be written, 78 bad config.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { openStore, STORE_FILE, StoreOpenError } from '../record/index.js';
import { buildBundle } from '../bundle/build.js';
import { collectHostFacts } from '../capture/host-facts.js';
import { thisHost } from '../stages/build.js';
import { VERSION } from '../version.js';
import { setRedactionPatterns } from '../util/redact.js';
import { CONFIG_OPTION, parseCommandArgs } from './args.js';

const HELP = `usage: forkwatch bundle INCIDENT-ID [--config FILE] [--out FILE]

Writes the incident's evidence bundle (child stack raw and parsed, kernel
evidence, forking thread, signature and fingerprint, process, host and JDK
facts, audit trail) as JSON to FILE, or to stdout. The incident id (or key) is
the one the API, the status page and the alerts show.
exit: 0 written, 64 usage, 66 no store or no such incident, 73 cannot open the store or write FILE, 78 bad config
`;

const EX_USAGE = 64;
const EX_NOINPUT = 66;
const EX_CANTCREAT = 73;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'bundle',
    argv,
    { ...CONFIG_OPTION, out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1 || !positionals[0]) {
    process.stderr.write(`forkwatch bundle: expected one incident id, got ${positionals.length}\n\n${HELP}`);
    return EX_USAGE;
  }
  const id = positionals[0];
  const config = loadConfig({ file: values.config });
  // Secrets redacted with the daemon's patterns; raw kernel evidence kept: this file is the root operator's (0600).
  setRedactionPatterns(config.redact.patterns);
  if (!existsSync(join(config.stateDir, STORE_FILE))) {
    process.stderr.write(
      `forkwatch bundle: no incident store in stateDir ${JSON.stringify(config.stateDir)} (${STORE_FILE} missing): is --config the daemon's?\n`,
    );
    return EX_NOINPUT;
  }
  let store;
  try {
    store = openStore({ stateDir: config.stateDir, host: thisHost(), sinks: [], retentionMs: config.retentionMs });
  } catch (err) {
    if (!(err instanceof StoreOpenError)) throw err;
    process.stderr.write(`forkwatch bundle: ${err.message}\n`);
    return EX_CANTCREAT;
  }
  try {
    const incident = store.get(id);
    if (!incident) {
      process.stderr.write(`forkwatch bundle: no incident ${JSON.stringify(id.slice(0, 200))} in ${store.path}\n`);
      return EX_NOINPUT;
    }
    const text = `${JSON.stringify(buildBundle(incident, { version: VERSION, host: collectHostFacts(), now: Date.now(), coreEnabled: config.core.enabled }), null, 2)}\n`;
    if (!values.out || values.out === '-') {
      process.stdout.write(text);
      return 0;
    }
    try {
      writeFileSync(values.out, text, { mode: 0o600 });
    } catch (err) {
      process.stderr.write(`forkwatch bundle: cannot write ${values.out}: ${(err as Error).message}\n`);
      return EX_CANTCREAT;
    }
    process.stderr.write(
      `forkwatch bundle: incident ${incident.id} written to ${values.out} (${Buffer.byteLength(text)} bytes)\n`,
    );
    return 0;
  } finally {
    store.close();
  }
}
