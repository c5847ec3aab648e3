/**
 * One capture backend per tool: how to call it (an argument array, never a
 * shell) and whether it is installed. Detection looks the configured path up
 * (absolute, or on PATH) without running anything.
 *
 *   eu-stack -m -p PID                     (elfutils; Linux; ~5-15 ms)
 *   gdb -batch -nx -ex 'set pagination off' -ex 'thread apply all bt' -p PID   (~60-300 ms)
 *   pstack PID                             (illumos/Solaris proc tools)
 *   gstack PID                             (Linux gdb wrapper, where installed)
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Config } from '../config/config.js';
import type { CaptureBackendName, StackFormat } from './types.js';

export interface CaptureBackend {
  name: CaptureBackendName;
  /** Resolved path of the tool. */
  path: string;
  /** The stack format its output is in (for the parser). */
  format: StackFormat;
}

export const TOOL_KEY: Readonly<Record<CaptureBackendName, keyof Config['tools']>> = {
  'eu-stack': 'euStack',
  gdb: 'gdb',
  pstack: 'pstack',
  gstack: 'gstack',
};

const FORMAT: Readonly<Record<CaptureBackendName, StackFormat>> = {
  'eu-stack': 'eu-stack',
  gdb: 'gdb',
  pstack: 'pstack',
  gstack: 'gdb', // gstack prints gdb's backtrace
};

export function buildCaptureArgs(name: CaptureBackendName, pid: number): string[] {
  switch (name) {
    case 'eu-stack':
      return ['-m', '-p', String(pid)];
    case 'gdb':
      return ['-batch', '-nx', '-ex', 'set pagination off', '-ex', 'thread apply all bt', '-p', String(pid)];
    case 'pstack':
    case 'gstack':
      return [String(pid)];
  }
}

/**
 * Added to the tracer box's fixed environment (src/util/run-boxed.ts):
 * debuginfod off (an empty DEBUGINFOD_URLS), so a capture never waits on the
 * network for symbols.
 */
export const CAPTURE_ENV: Readonly<Record<string, string>> = { DEBUGINFOD_URLS: '' };

export interface DetectDeps {
  /** PATH to search (default: process.env.PATH). */
  pathEnv?: string;
  isExecutable?: (path: string) => boolean;
}

/** The installed backends, in the configured order. */
export function detectBackends(config: Pick<Config, 'capture' | 'tools'>, deps: DetectDeps = {}): CaptureBackend[] {
  const found: CaptureBackend[] = [];
  for (const name of config.capture.order) {
    if (found.some((b) => b.name === name)) continue;
    const path = resolveExecutable(config.tools[TOOL_KEY[name]], deps);
    if (path) found.push({ name, path, format: FORMAT[name] });
  }
  return found;
}

export function resolveExecutable(command: string, deps: DetectDeps = {}): string | null {
  const isExec = deps.isExecutable ?? isExecutableFile;
  if (command.includes('/')) return isExec(command) ? command : null;
  const dirs = (deps.pathEnv ?? process.env.PATH ?? '').split(delimiter).filter((d) => isAbsolute(d));
  for (const dir of dirs) {
    const candidate = join(dir, command);
    if (isExec(candidate)) return candidate;
  }
  return null;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
