/**
 * Readiness for systemd's Type=notify (deploy/systemd/forkwatch.service,
 * contract in docs/operations.md "Readiness"): only when NOTIFY_SOCKET is set,
 * after the server listens and the first tick has every stage ok, once, run
 * `systemd-notify --ready --pid=<our pid>` (Node cannot send a unix datagram
 * without a native add-on). A failure is a warning: systemd's start timeout
 * decides. On shutdown, STOPPING=1.
 */
import type { DaemonExtension } from '../expose/context.js';
import { runProgram } from '../util/run-program.js';

export interface SystemdNotifyOptions {
  env?: NodeJS.ProcessEnv;
  /** The systemd-notify program (PATH lookup by default). */
  command?: string;
  pid?: number;
}

const RUN = { timeoutMs: 5000, maxOutputBytes: 4096 };

export function createSystemdNotify(opts: SystemdNotifyOptions = {}): DaemonExtension {
  const env = opts.env ?? process.env;
  const command = opts.command ?? 'systemd-notify';
  const pid = opts.pid ?? process.pid;
  let ready = false;
  const enabled = Boolean(env.NOTIFY_SOCKET);
  return {
    name: 'systemd-notify',
    async afterTick(summary, ctx) {
      if (!enabled || ready || !summary.ok) return;
      ready = true;
      const status = `watching ${ctx.config.targets.length} target${ctx.config.targets.length === 1 ? '' : 's'}`;
      const r = await runProgram(command, ['--ready', `--pid=${pid}`, `--status=${status}`], { ...RUN, env: { NOTIFY_SOCKET: env.NOTIFY_SOCKET } });
      if (r.failed) ctx.logger.warn({ command, exitCode: r.exitCode, cause: r.cause, stderr: r.stderr.slice(0, 500) }, 'systemd-notify --ready failed: systemd will time the start out');
      else ctx.logger.info({ status }, 'told systemd we are ready');
    },
    async stop() {
      if (!enabled || !ready) return;
      await runProgram(command, ['--stopping', `--pid=${pid}`], { ...RUN, env: { NOTIFY_SOCKET: env.NOTIFY_SOCKET } });
    },
  };
}
