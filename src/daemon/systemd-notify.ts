/**
 * systemd's notify protocol (deploy/systemd/forkwatch.service, contract in
 * docs/operations.md "Readiness" and "Watchdog"), only when NOTIFY_SOCKET is
 * set, by running `systemd-notify --pid=<our pid>` (Node cannot send a unix
 * datagram without a native add-on):
 * - READY=1 once, after the server listens and the first tick has every
 *   stage ok. A failure is a warning: systemd's start timeout decides.
 * - WATCHDOG=1 every WATCHDOG_USEC/2 (when systemd set it, WatchdogSec=, and
 *   WATCHDOG_PID, if set, is us), but only while the daemon is live: a tick
 *   completed within the liveness window (src/daemon/health.ts). Ticks that
 *   hang or keep being abandoned stop the pings and systemd restarts us. The
 *   pings are on their own timer, not per tick, so any `interval` works with
 *   the unit's fixed WatchdogSec=.
 * - STOPPING=1 on shutdown.
 * - RELOADING=1 (with MONOTONIC_USEC, as Type=notify-reload wants) before a
 *   config reload is applied and READY=1 after it (src/daemon/reload.ts),
 *   only once READY=1 was sent: a reload before readiness says nothing.
 */
import type { DaemonExtension, ExtensionContext } from '../extension/context.js';
import { runProgram } from '../util/run-program.js';

export interface SystemdNotifyOptions {
  env?: NodeJS.ProcessEnv;
  /** The systemd-notify program (PATH lookup by default). */
  command?: string;
  pid?: number;
}

const RUN = { timeoutMs: 5000, maxOutputBytes: 4096 };
/** Never ping more often than this, whatever WATCHDOG_USEC says. */
const MIN_PING_MS = 100;

/** The ping period (half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises), or null when the watchdog is not ours. */
export function watchdogPingMs(env: NodeJS.ProcessEnv, pid: number): number | null {
  if (!env.NOTIFY_SOCKET || !env.WATCHDOG_USEC) return null;
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isInteger(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(MIN_PING_MS, Math.floor(usec / 2000));
}

export interface SystemdNotifyExtension extends DaemonExtension {
  /** RELOADING=1, fn, READY=1 (READY=1 whatever fn did: the old config keeps running). */
  aroundReload<T>(fn: () => Promise<T>): Promise<T>;
}

/** CLOCK_MONOTONIC in µs (libuv's hrtime is CLOCK_MONOTONIC on Linux), for MONOTONIC_USEC. */
function monotonicUsec(): string {
  return (process.hrtime.bigint() / 1000n).toString();
}

export function createSystemdNotify(opts: SystemdNotifyOptions = {}): SystemdNotifyExtension {
  const env = opts.env ?? process.env;
  const command = opts.command ?? 'systemd-notify';
  const pid = opts.pid ?? process.pid;
  let ready = false;
  const enabled = Boolean(env.NOTIFY_SOCKET);
  const notify = (args: string[]) => runProgram(command, args, { ...RUN, env: { NOTIFY_SOCKET: env.NOTIFY_SOCKET } });
  const watchdog = createWatchdog(watchdogPingMs(env, pid), () => notify([`--pid=${pid}`, 'WATCHDOG=1']));
  return {
    name: 'systemd-notify',
    start(ctx) {
      watchdog.start(ctx);
    },
    async afterTick(summary, ctx) {
      if (!enabled || ready || !summary.ok) return;
      ready = true;
      const status = `watching ${ctx.config.targets.length} target${ctx.config.targets.length === 1 ? '' : 's'}`;
      const r = await notify(['--ready', `--pid=${pid}`, `--status=${status}`]);
      if (r.failed)
        ctx.logger.warn(
          { command, exitCode: r.exitCode, cause: r.cause, stderr: r.stderr.slice(0, 500) },
          'systemd-notify --ready failed: systemd will time the start out',
        );
      else ctx.logger.info({ status }, 'told systemd we are ready');
    },
    async aroundReload(fn) {
      if (!enabled || !ready) return fn();
      await notify([`--pid=${pid}`, 'RELOADING=1', `MONOTONIC_USEC=${monotonicUsec()}`]);
      try {
        return await fn();
      } finally {
        await notify([`--pid=${pid}`, 'READY=1']);
      }
    },
    async stop() {
      watchdog.stop();
      if (!enabled || !ready) return;
      await notify(['--stopping', `--pid=${pid}`]);
    },
  };
}

type Ping = () => Promise<{ failed: boolean; exitCode: number | null; stderr: string }>;

/** Pings every periodMs while the daemon is live; one ping at a time; logs when pinging stops or fails. */
function createWatchdog(periodMs: number | null, ping: Ping): { start(ctx: ExtensionContext): void; stop(): void } {
  let timer: NodeJS.Timeout | null = null;
  let pinging = false;
  let held = false;
  const beat = async (ctx: ExtensionContext): Promise<void> => {
    if (pinging) return;
    const h = ctx.daemon.snapshot().health;
    if (!h.live) {
      if (!held)
        ctx.logger.error(
          { reason: h.liveMessage },
          'not live: withholding the systemd watchdog ping (systemd restarts us after WatchdogSec=)',
        );
      held = true;
      return;
    }
    if (held) ctx.logger.info('live again: systemd watchdog pings resume');
    held = false;
    pinging = true;
    try {
      const r = await ping();
      if (r.failed)
        ctx.logger.warn({ exitCode: r.exitCode, stderr: r.stderr.slice(0, 500) }, 'systemd-notify WATCHDOG=1 failed');
    } finally {
      pinging = false;
    }
  };
  return {
    start(ctx) {
      if (periodMs === null || timer) return;
      ctx.logger.info({ pingMs: periodMs }, 'systemd watchdog enabled: pinging while ticks complete');
      void beat(ctx);
      timer = setInterval(() => void beat(ctx), periodMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
