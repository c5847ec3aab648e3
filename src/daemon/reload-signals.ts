/**
 * The daemon's SIGHUP and SIGUSR2 (close-with-grace skips both in cli/run.ts):
 * SIGHUP asks for a config reload (src/daemon/reload.ts; a burst is folded
 * into at most one reload after the one in progress), SIGUSR2 is ignored with
 * a log line (Node's default would end the process, and nothing sends it to
 * forkwatch on purpose). Installed before the daemon starts, removed when it
 * begins to stop, so a late SIGHUP never rebuilds anything being torn down.
 */
import { createReloader, type Reloader, type ReloaderOptions } from './reload.js';

export interface ReloadSignals {
  readonly reloader: Reloader;
  /** Stop reloading on SIGHUP (shutdown has begun); the signals are then ignored, not fatal. */
  uninstall(): void;
}

export function handleReloadSignals(opts: ReloaderOptions): ReloadSignals {
  const reloader = createReloader(opts);
  let stopping = false;
  const onHup = (): void => {
    if (stopping) return;
    opts.logger.info({ signal: 'SIGHUP' }, 'SIGHUP: reloading the config and the signature library');
    reloader
      .request()
      .catch((err: unknown) =>
        opts.logger.error({ err }, 'config reload failed unexpectedly; the running config is kept'),
      );
  };
  const onUsr2 = (): void =>
    opts.logger.info({ signal: 'SIGUSR2' }, 'SIGUSR2 ignored (SIGHUP reloads the config; SIGTERM stops)');
  process.on('SIGHUP', onHup);
  process.on('SIGUSR2', onUsr2);
  return {
    reloader,
    uninstall() {
      stopping = true;
    },
  };
}
