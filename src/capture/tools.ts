/**
 * The programs forkwatch runs against a watched process, resolved once at
 * daemon start: the configured tracers (tools.euStack, gdb, pstack, gstack,
 * jcmd, gcore; bare names by default) through the daemon's own PATH, never
 * anything a target could influence; prlimit and setpriv (the box's helpers,
 * run-boxed.ts) only in the fixed system directories. A tool not found is
 * unavailable for the daemon's life: its config value becomes '' and the box
 * refuses to run anything that is not an absolute path, so no name is ever
 * looked up again at run time.
 */
import { delimiter } from 'node:path';
import type { Config } from '../config/config.js';
import { BOX_PATH } from '../util/run-boxed.js';
import type { BoxLimits, BoxOptions } from '../util/run-types.js';
import { closeStrayDescriptors } from '../util/descriptors.js';
import type { Logger } from '../util/logger.js';
import { resolveExecutable, type DetectDeps } from './backends.js';

export const TRACER_KEYS = ['euStack', 'gdb', 'pstack', 'gstack', 'jcmd', 'gcore'] as const;
export type TracerKey = (typeof TRACER_KEYS)[number];

export interface BoxHelpers {
  /** util-linux prlimit (limits), or null: tracers run without limits. */
  prlimit: string | null;
  /** util-linux setpriv (jcmd as the target's user), or null: thread dumps of another user's JVM are refused. */
  setpriv: string | null;
}

export interface ResolvedTools extends BoxHelpers {
  /** Absolute path per tracer, null when not found at start. */
  tracers: Record<TracerKey, string | null>;
  unavailable: { key: TracerKey; configured: string }[];
}

export function resolveTracerTools(tools: Config['tools'], deps: DetectDeps = {}): ResolvedTools {
  const tracers = {} as Record<TracerKey, string | null>;
  const unavailable: ResolvedTools['unavailable'] = [];
  for (const key of TRACER_KEYS) {
    const path = tools[key] === '' ? null : resolveExecutable(tools[key], deps);
    tracers[key] = path;
    if (!path) unavailable.push({ key, configured: tools[key] });
  }
  return { tracers, unavailable, ...resolveBoxHelpers(deps) };
}

/** prlimit and setpriv from the fixed system directories only. */
export function resolveBoxHelpers(deps: DetectDeps = {}): BoxHelpers {
  const sys = { ...deps, pathEnv: BOX_PATH.split(':').join(delimiter) };
  return { prlimit: resolveExecutable('prlimit', sys), setpriv: resolveExecutable('setpriv', sys) };
}

/** The config the daemon runs on: each tracer's absolute path, '' for those unavailable. */
export function withResolvedTools<C extends Pick<Config, 'tools'>>(config: C, resolved: ResolvedTools): C {
  const tools = { ...config.tools };
  for (const key of TRACER_KEYS) tools[key] = resolved.tracers[key] ?? '';
  return { ...config, tools };
}

/**
 * At the start of every command that runs tracers (forkwatch run, scan): the
 * tracers resolved once through our own PATH (only these absolute paths are
 * ever run against a target), the box's helpers installed, and descriptors
 * inherited from our parent closed so no tracer gets them.
 */
export function resolveToolsAtStart<C extends Pick<Config, 'tools'>>(config: C, logger?: Logger): C {
  const tools = resolveTracerTools(config.tools);
  installBoxHelpers(tools);
  const closed = closeStrayDescriptors();
  if (closed.length > 0)
    logger?.warn(
      { fds: closed },
      'closed descriptors inherited without close-on-exec (they would have reached every tracer)',
    );
  logger?.info(
    {
      tracers: tools.tracers,
      unavailable: tools.unavailable.map((u) => u.key),
      prlimit: tools.prlimit,
      setpriv: tools.setpriv,
    },
    'tracers resolved',
  );
  if (!tools.prlimit)
    logger?.warn(
      'prlimit (util-linux) not found in /usr/sbin:/usr/bin:/sbin:/bin: tracers run without resource limits',
    );
  return withResolvedTools(config, tools);
}

let installed: BoxHelpers | null = null;

/** Set at daemon start (cli/run.ts) with what resolveTracerTools found. */
export function installBoxHelpers(helpers: BoxHelpers): void {
  installed = { ...helpers };
}

/** The box's helpers: those installed at start; else (tools and tests run outside the daemon) resolved once, now. */
export function boxHelpers(): BoxHelpers {
  installed ??= resolveBoxHelpers();
  return installed;
}

/** Address space of a native tracer (eu-stack, gdb on a big JVM's child): generous, but bounded. */
export const TRACER_ADDRESS_SPACE_BYTES = 8 * 1024 ** 3;
export const TRACER_OPEN_FILES = 1024;

/** The limits for one run that must end within timeoutMs: CPU seconds just above the deadline. */
export function tracerLimits(
  timeoutMs: number,
  addressSpaceBytes: number | null = TRACER_ADDRESS_SPACE_BYTES,
): BoxLimits {
  return { cpuSeconds: Math.max(1, Math.ceil(timeoutMs / 1000) + 1), addressSpaceBytes, openFiles: TRACER_OPEN_FILES };
}

/** The box for one tracer run. */
export function tracerBox(
  timeoutMs: number,
  opts: {
    addressSpaceBytes?: number | null;
    fileSizeBytes?: number;
    runAs?: { uid: number; gid: number };
    env?: Record<string, string>;
  } = {},
): BoxOptions | { error: string } {
  const h = boxHelpers();
  // Root, or already that user (a daemon run as the JVM's user): no setpriv, whose setgroups would need CAP_SETGID.
  const runAs = opts.runAs && opts.runAs.uid !== 0 && !isOurUser(opts.runAs) ? opts.runAs : undefined;
  if (runAs && !h.setpriv)
    return { error: `setpriv (util-linux) not found in ${BOX_PATH}: cannot run as uid ${runAs.uid}` };
  return {
    prlimit: h.prlimit,
    limits: {
      ...tracerLimits(
        timeoutMs,
        opts.addressSpaceBytes === undefined ? TRACER_ADDRESS_SPACE_BYTES : opts.addressSpaceBytes,
      ),
      ...(opts.fileSizeBytes ? { fileSizeBytes: opts.fileSizeBytes } : {}),
    },
    ...(runAs && h.setpriv ? { runAs: { setpriv: h.setpriv, ...runAs } } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  };
}

function isOurUser(u: { uid: number; gid: number }): boolean {
  return u.uid === process.geteuid?.() && u.gid === process.getegid?.();
}
