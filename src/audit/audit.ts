/**
 * The audit's entry points (the daemon integration calls these): read one
 * process's facts from files (plus jcmd VM.system_properties when thread
 * dumps are enabled), evaluate the rules, redact, return plain data.
 */
import { isAbsolute } from 'node:path';
import type { Config } from '../config/config.js';
import { createScanner } from '../stages/scanner.js';
import { readEffectiveOwner } from '../capture/thread-dump.js';
import { runTracerOnTarget, type RunProgramFn } from '../capture/capture-stack.js';
import { redactDeep } from '../util/redact.js';
import { evaluateRules } from './evaluate.js';
import { parseSystemProperties, propertiesFromArgs, propertiesFromOptionsVar } from './parse-proc.js';
import { readIllumosFacts } from './read-illumos.js';
import { readLinuxFacts } from './read-linux.js';
import type { AuditResult, CompiledRule, ProcessFacts } from './types.js';

export interface AuditOptions {
  procRoot?: string;
  platform?: 'linux' | 'illumos';
  /** Set only when threadDump.enabled: jcmd is then run (boxed, as the JVM's owner) for VM.system_properties. */
  jcmd?: { path: string; timeoutMs: number; maxOutputBytes: number } | null;
  /** The bounded runner for illumos' pldd and pargs (a stand-in in tests). */
  run?: RunProgramFn;
}

/** One process: its risk, each reason with its evidence, redacted. risk null = cannot tell. */
export async function auditProcess(
  target: string,
  pid: number,
  rules: readonly CompiledRule[],
  opts: AuditOptions = {},
): Promise<AuditResult> {
  const platform = opts.platform ?? (process.platform === 'sunos' ? 'illumos' : 'linux');
  const facts =
    platform === 'illumos'
      ? await readIllumosFacts(pid, opts.run)
      : await readLinuxFacts(pid, opts.procRoot ?? '/proc');
  if (facts === null)
    return {
      target,
      pid,
      risk: null,
      reasons: [],
      notes: [`pid ${pid}: its files could not be read (gone, or not permitted)`],
    };
  const notes = [...facts.unreadable, ...(await addProperties(facts, opts))];
  if (platform === 'linux' && facts.libraries.length === 0) {
    return redactDeep({
      target,
      pid,
      risk: null,
      reasons: [],
      notes: [...notes, 'no mapped object read: cannot tell'],
    });
  }
  const { risk, reasons } = evaluateRules(facts, rules);
  return redactDeep({ target, pid, risk, reasons, notes });
}

/** Every configured target found now (as `forkwatch scan` finds them); a target not found is a cannot-tell result. */
export async function auditTargets(
  config: Config,
  rules: readonly CompiledRule[],
  opts: AuditOptions = {},
): Promise<AuditResult[]> {
  const report = await createScanner(config, {}).scan();
  const jcmd = opts.jcmd !== undefined ? opts.jcmd : jcmdOptions(config);
  const results: AuditResult[] = [];
  for (const t of report.targets)
    results.push(
      await auditProcess(t.name, t.process.pid, rules, {
        procRoot: config.procRoot,
        jcmd,
        ...(opts.platform ? { platform: opts.platform } : {}),
      }),
    );
  for (const name of report.missingTargets)
    results.push({ target: name, pid: null, risk: null, reasons: [], notes: ['no process matches this target'] });
  return results;
}

/** jcmd only when thread dumps are enabled and tools.jcmd resolved to an absolute path. */
export function jcmdOptions(config: Pick<Config, 'threadDump' | 'tools' | 'capture'>): AuditOptions['jcmd'] {
  const path = config.tools.jcmd;
  if (!config.threadDump.enabled || !path || !isAbsolute(path)) return null;
  return { path, timeoutMs: config.threadDump.timeoutMs, maxOutputBytes: config.capture.maxOutputBytes };
}

/** Properties from -D arguments, then the *_JAVA_OPTIONS variables, then (when enabled) the JVM's own list. Returns notes. */
async function addProperties(facts: ProcessFacts, opts: AuditOptions): Promise<string[]> {
  const put = (props: Record<string, string>, from: string) => {
    for (const [k, v] of Object.entries(props)) facts.properties[k] = { value: v, from };
  };
  // The JVM's own order: JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS (the launcher's, not in cmdline), the command line, _JAVA_OPTIONS (last wins).
  for (const name of ['JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS'] as const) {
    const v = facts.environment?.[name];
    if (v) put(propertiesFromOptionsVar(v), name);
  }
  put(propertiesFromArgs(facts.args), 'cmdline');
  const late = facts.environment?._JAVA_OPTIONS;
  if (late) put(propertiesFromOptionsVar(late), '_JAVA_OPTIONS');
  const argfile = facts.args.some((a, i) => i > 0 && a.startsWith('@'));
  if (!opts.jcmd)
    return argfile
      ? ['an @argfile is on the command line: its options are not read (enable threadDump to ask the JVM through jcmd)']
      : [];
  // jcmd's attach sends SIGQUIT: to anything but a HotSpot JVM that is a kill, so only where libjvm.so is mapped.
  if (!facts.libraries.some((l) => l.path.endsWith('/libjvm.so')))
    return ['not a JVM (no libjvm.so mapped): jcmd not run'];
  const owner = readEffectiveOwner(opts.procRoot ?? '/proc', facts.pid);
  const t = await runTracerOnTarget(facts.pid, opts.jcmd.path, [String(facts.pid), 'VM.system_properties'], {
    procRoot: opts.procRoot ?? '/proc',
    timeoutMs: opts.jcmd.timeoutMs,
    maxOutputBytes: opts.jcmd.maxOutputBytes,
    addressSpaceBytes: null,
    ...(owner ? { runAs: owner } : {}),
  });
  if (!t.run) return [`jcmd VM.system_properties not run: ${t.refusal.reason}`];
  if (t.run.failed) return [`jcmd VM.system_properties failed${t.run.timedOut ? ' (timed out)' : ''}`];
  put(parseSystemProperties(t.run.stdout), 'jcmd VM.system_properties');
  return [];
}
