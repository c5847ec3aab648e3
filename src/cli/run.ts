/**
 * forkwatch run [--config FILE]: the daemon (what `npm start` runs, on the
 * embedded defaults: stateDir ./var, listen 127.0.0.1:9710). Exit: 0 after a
 * graceful stop (SIGTERM/SIGINT), 78 bad config, 73 incident store cannot be
 * opened, 69 cannot listen.
 */
import closeWithGrace from 'close-with-grace';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/config.js';
import { openStore, StoreOpenError } from '../record/index.js';
import type { IncidentStore } from '../record/types.js';
import { configuredSinks, createAlertExtension } from '../alert/index.js';
import { createStatusPage } from '../page/extension.js';
import { createBundleExtension } from '../bundle/extension.js';
import { createRemediationExtension } from '../remediate/extension.js';
import { createAuditExtension } from '../audit/daemon/extension.js';
import { createLogger, type Logger } from '../util/logger.js';
import { setRedactionPatterns } from '../util/redact.js';
import { createDaemon, type Daemon } from '../daemon/index.js';
import { buildStages, thisHost } from '../stages/build.js';
import { createSystemdNotify } from '../daemon/systemd-notify.js';
import { handleReloadSignals } from '../daemon/reload-signals.js';
import { DAEMON_NODE_FLAGS, missingDaemonEnv, missingNodeFlags } from '../daemon/node-flags.js';
import { resolveToolsAtStart } from '../capture/tools.js';
import { CONFIG_OPTION, parseCommandArgs } from './args.js';

const HELP = `usage: forkwatch run [--config FILE]

Runs the daemon: scans every \`interval\`, records incidents in stateDir, sends
alerts, serves the API, metrics and status page on \`listen\` (default
127.0.0.1:9710). Stops gracefully on SIGTERM or SIGINT; SIGHUP re-reads the
config and signatures (docs/daemon.md#reload); SIGUSR2 is ignored.
exit: 0 stopped, 78 bad config, 73 incident store cannot be opened, 69 cannot listen
`;

/** sysexits.h EX_UNAVAILABLE: the port is taken or not ours to bind. */
const EX_UNAVAILABLE = 69;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('run', argv, { ...CONFIG_OPTION, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // Everything the daemon creates (store, lock, cores) is private whatever the
  // umask it was started with (npm start, a container: 022); docs/security.md.
  process.umask(0o077);
  const loaded = loadConfig({ file: values.config });
  setRedactionPatterns(loaded.redact.patterns);
  const logger = createLogger({ level: loaded.log.level, pretty: loaded.log.pretty });
  warnMissingNodeFlags(logger);
  warnMissingDaemonEnv(logger);
  const config = resolveToolsAtStart(loaded, logger);
  const host = thisHost();
  const store = openIncidentStore(config, host, logger);
  if (typeof store === 'number') return store;
  let daemon: Daemon;
  const systemd = createSystemdNotify();
  try {
    daemon = createDaemon({
      config,
      logger,
      store,
      stages: buildStages(config, logger, host),
      extensions: [
        createAlertExtension(),
        createStatusPage(),
        // The fork-risk audit: after each tick, off its path; loads its rules now (a bad rule file: exit 78).
        createAuditExtension(config, () => daemon.wallClock),
        // Bundle before remediation: target facts are stored before any child is signalled.
        createBundleExtension(),
        createRemediationExtension(),
        // Last: READY=1 once every other extension has seen the first ok tick.
        systemd,
      ],
    });
  } catch (err) {
    store.close();
    throw err;
  }
  const reloadSignals = handleReloadSignals({
    file: values.config,
    started: loaded,
    daemon,
    logger,
    metrics: daemon.context.metrics,
    aroundReload: (fn) => systemd.aroundReload(fn),
  });
  try {
    await daemon.start();
  } catch (err) {
    await daemon.stop();
    const e = err as NodeJS.ErrnoException;
    if (e.syscall === 'listen' || e.code === 'EADDRINUSE' || e.code === 'EADDRNOTAVAIL' || e.code === 'EACCES') {
      process.stderr.write(
        `forkwatch run: cannot listen on ${config.listen.host}:${config.listen.port}: ${e.code ?? e.message} (set listen.host / listen.port)\n`,
      );
      return EX_UNAVAILABLE;
    }
    throw err;
  }
  return waitForShutdown(daemon, config, logger, () => reloadSignals.uninstall());
}

function warnMissingNodeFlags(logger: Logger): void {
  const missing = missingNodeFlags(process.execArgv, process.env.NODE_OPTIONS);
  if (missing.length === 0) return;
  logger.warn(
    { missing, expected: DAEMON_NODE_FLAGS },
    `node was started without ${missing.join(' ')}: expect ~10 MB more RSS idle, more with many processes (run node ${DAEMON_NODE_FLAGS.join(' ')} dist/cli/index.js run; docs/daemon.md#memory)`,
  );
}

function warnMissingDaemonEnv(logger: Logger): void {
  const missing = missingDaemonEnv(process.env);
  if (missing.length === 0) return;
  logger.warn(
    { missing },
    `the daemon was started without ${missing.join(' ')}: expect a few MB more RSS, more after bursts of connections (set it in the environment, as the deploy files and npm start do; docs/daemon.md#memory)`,
  );
}

function openIncidentStore(config: Config, host: string, logger: Logger): IncidentStore | number {
  try {
    return openStore({
      stateDir: config.stateDir,
      host,
      sinks: configuredSinks(config),
      logger,
      retentionMs: config.retentionMs,
      owner: true,
    });
  } catch (err) {
    if (!(err instanceof StoreOpenError)) throw err;
    process.stderr.write(
      `forkwatch run: ${err.message}\n  (stateDir = ${JSON.stringify(config.stateDir)}; reason: ${err.reason})\n`,
    );
    return err.exitCode;
  }
}

/** close-with-grace: the first SIGTERM/SIGINT stops gracefully (bounded), a second one exits at once. SIGHUP and SIGUSR2 are src/daemon/reload-signals.ts's. */
function waitForShutdown(daemon: Daemon, config: Config, logger: Logger, beforeStop: () => void): Promise<number> {
  return new Promise<number>(() => {
    closeWithGrace(
      { delay: Math.min(30_000, config.capture.timeoutMs + 2_000) + 5_000, logger, skip: ['SIGHUP', 'SIGUSR2'] },
      async ({ signal, err }) => {
        if (err) logger.error({ err }, 'fatal error: shutting down');
        else logger.info({ signal }, 'shutting down');
        beforeStop();
        await daemon.stop();
        logger.flush();
      },
    );
  });
}
