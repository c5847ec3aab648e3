/** The real stages for `forkwatch run`, built once from the config. */
import { hostname } from 'node:os';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import { createScanner } from './scanner.js';
import { createCapturer } from '../capture/capturer.js';
import { parseStack } from '../capture/parse/index.js';
import { formatLoadError, loadSignatures, matchSignatures, threadWaits } from '../match/index.js';
import type { Signature } from '../match/types.js';
import type { Logger } from '../util/logger.js';
import type { DaemonStages } from './ports.js';
import type { MatchPort } from '../match/port.js';

/** The host name every incident key carries (one store per host). */
export function thisHost(): string {
  return hostname();
}

/** Load the shipped library plus signatures.paths; a broken user file is a config error (exit 78). */
export function loadMatcher(config: Pick<Config, 'signatures'>, logger: Logger): MatchPort {
  const lib = loadSignatures({ paths: config.signatures.paths });
  if (lib.errors.length > 0) {
    throw new ConfigError(
      'signatures.paths',
      config.signatures.paths,
      `loadable signature files: ${lib.errors.slice(0, 5).map(formatLoadError).join('; ')}`,
    );
  }
  const signatures: readonly Signature[] = lib.signatures;
  logger.info({ signatures: signatures.length, files: lib.files.length }, 'signature library loaded');
  return {
    signatures: () => [...signatures],
    match: (threads, options) => matchSignatures(threads, signatures, options),
    parse: (text) => parseStack(text),
    waits: (threads) => threadWaits(threads, lib.vocabulary),
  };
}

export function buildStages(config: Config, logger: Logger, host = thisHost()): DaemonStages {
  return {
    scanner: createScanner(config, { host }),
    evidence: createCapturer(config, { parseStack, logger: logger.child({ stage: 'capture' }) }),
    matcher: loadMatcher(config, logger),
  };
}
