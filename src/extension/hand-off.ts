/** Calling the daemon's extensions: one failing extension never stops the others, the tick or shutdown. */
import type { DaemonExtension, ExtensionContext } from './context.js';
import type { Transition } from '../record/transition.js';
import type { TickSummary } from './daemon-view.js';

/** The hand-off after a tick: synchronous and quick by contract; a throw is counted under stage alert. */
export function handOff(extensions: DaemonExtension[], transitions: Transition[], ctx: ExtensionContext): void {
  for (const ext of extensions) {
    try {
      ext.onTransitions?.(transitions, ctx);
    } catch (err) {
      ctx.metrics.scanErrors.inc({ stage: 'alert' });
      ctx.logger.error({ err, extension: ext.name }, 'extension hand-off failed');
    }
  }
}

export async function runAfterTick(
  extensions: DaemonExtension[],
  summary: TickSummary,
  ctx: ExtensionContext,
): Promise<void> {
  for (const ext of extensions) {
    try {
      await ext.afterTick?.(summary, ctx);
    } catch (err) {
      ctx.logger.error({ err, extension: ext.name }, 'extension afterTick failed');
    }
  }
}

/** Reverse order of start, each awaited, none allowed to block the store's close by throwing. */
export async function stopExtensions(extensions: DaemonExtension[], ctx: ExtensionContext): Promise<void> {
  for (const ext of [...extensions].reverse()) {
    try {
      await ext.stop?.();
    } catch (err) {
      ctx.logger.error({ err, extension: ext.name }, 'extension stop failed');
    }
  }
}
