/**
 * The node flags and environment: the daemon's (src/daemon/node-flags.ts) on
 * this process's command line and in its environment when doctor is started
 * the way the daemon is, else in the installed systemd unit's ExecStart= and
 * Environment=; and a Node new enough.
 */
import { DAEMON_NODE_FLAGS, daemonEnvWords, missingDaemonEnv, missingNodeFlags } from '../daemon/node-flags.js';
import { readPrefix } from '../util/read-file-bounded.js';
import { result, type CheckResult } from './types.js';

export const UNIT_PATHS = [
  '/etc/systemd/system/forkwatch.service',
  '/usr/lib/systemd/system/forkwatch.service',
  '/lib/systemd/system/forkwatch.service',
];
const FLAGS_FIX = `start the daemon as: node ${DAEMON_NODE_FLAGS.join(' ')} dist/cli/index.js run (npm start and deploy/systemd/forkwatch.service do)`;

export interface NodeFlagInputs {
  nodeVersion: string;
  execArgv: readonly string[];
  nodeOptions: string | undefined;
  /** This process's environment (only DAEMON_ENV's names are read). */
  env?: NodeJS.ProcessEnv;
  /** The installed unit: its path and text, or null. */
  unit: { path: string; text: string } | null;
}

export function readNodeFlagInputs(): NodeFlagInputs {
  let unit: NodeFlagInputs['unit'] = null;
  for (const path of UNIT_PATHS) {
    const b = readPrefix(path, 256 * 1024);
    if (b) {
      unit = { path, text: b.toString('utf8') };
      break;
    }
  }
  return {
    nodeVersion: process.versions.node,
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS,
    env: process.env,
    unit,
  };
}

/** Pure. */
export function nodeFlagChecks(i: NodeFlagInputs): CheckResult[] {
  const major = Number(i.nodeVersion.split('.', 1)[0]);
  const version =
    major >= 20
      ? result('node version', 'ok', `node ${i.nodeVersion}`)
      : result(
          'node version',
          'fail',
          `node ${i.nodeVersion}: forkwatch needs Node 20 or later`,
          'install Node 20 (e.g. from NodeSource or Debian trixie)',
        );
  return [version, flagsLine(i), envLine(i)];
}

function flagsLine(i: NodeFlagInputs): CheckResult {
  const own = missingNodeFlags(i.execArgv, i.nodeOptions);
  if (own.length === 0)
    return result('node flags', 'ok', `started with the daemon's flags (${DAEMON_NODE_FLAGS.length})`);
  if (i.unit) {
    const exec = unitValues(i.unit.text, 'ExecStart');
    if (exec.length === 0) return result('node flags', 'warn', `${i.unit.path} has no ExecStart=`, FLAGS_FIX);
    const missing = missingNodeFlags(exec.join(' ').split(/\s+/), undefined);
    if (missing.length === 0) return result('node flags', 'ok', `${i.unit.path} ExecStart= passes the daemon's flags`);
    return result(
      'node flags',
      'warn',
      `${i.unit.path} ExecStart= lacks ${missing.join(' ')}: more memory than measured (bench/RESULTS.md)`,
      FLAGS_FIX,
    );
  }
  return result(
    'node flags',
    'skip',
    `skipped: doctor was not started with the daemon's flags (lacks ${own.length}) and no forkwatch.service is installed to read; start doctor as the launcher starts the daemon to check them`,
  );
}

const ENV_FIX = `set ${daemonEnvWords().join(' ')} in the daemon's environment (npm start, deploy/systemd/forkwatch.service, the SMF method and the image do)`;

/** The daemon's environment (DAEMON_ENV): in this process's, else in the installed unit's Environment= lines. */
function envLine(i: NodeFlagInputs): CheckResult {
  if (missingDaemonEnv(i.env ?? {}).length === 0)
    return result('daemon environment', 'ok', `started with ${daemonEnvWords().join(' ')}`);
  if (i.unit) {
    const missing = missingDaemonEnv(unitEnvironment(i.unit.text));
    if (missing.length === 0)
      return result('daemon environment', 'ok', `${i.unit.path} sets ${daemonEnvWords().join(' ')}`);
    return result(
      'daemon environment',
      'warn',
      `${i.unit.path} does not set ${missing.join(' ')}: a few MB more RSS, more after bursts of connections (docs/daemon.md#memory)`,
      ENV_FIX,
    );
  }
  return result(
    'daemon environment',
    'skip',
    `skipped: doctor was not started with the daemon's environment and no forkwatch.service is installed to read; start doctor as the launcher starts the daemon to check it`,
  );
}

/** A unit's Environment= assignments as an environment (a later assignment of a name wins, as in systemd). */
function unitEnvironment(text: string): Record<string, string> {
  const words = unitValues(text, 'Environment').join(' ').split(/\s+/);
  return Object.fromEntries(
    words.filter((w) => w.includes('=')).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]),
  );
}

/** The values of every `key=` line of a unit file (ExecStart=, Environment=), in order. */
function unitValues(text: string, key: string): string[] {
  const prefix = `${key}=`;
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));
}
