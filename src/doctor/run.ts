/**
 * forkwatch doctor: every check, in checklist order. Each check catches
 * its own errors into an 'unknown' line, so one broken check never hides
 * the others.
 */
import { withResolvedTools, resolveTracerTools, installBoxHelpers } from '../capture/tools.js';
import type { Config } from '../config/config.js';
import { alertmanagerChecks, slackChecks } from './alerts.js';
import { attachChecks, backendsInstalled } from './attach.js';
import { jcmdCheck } from './jcmd.js';
import { nodeFlagChecks, readNodeFlagInputs } from './node-flags.js';
import { privilegeChecks } from './privileges.js';
import { stateDirChecks } from './state-dir.js';
import { scanTargets, targetChecks } from './targets.js';
import { result, type CheckResult } from './types.js';

export interface DoctorOptions {
  sendTest: boolean;
}

export async function runDoctor(raw: Config, opts: DoctorOptions): Promise<CheckResult[]> {
  // The tracers as the daemon resolves them at start (src/capture/tools.ts); only these absolute paths run.
  const tools = resolveTracerTools(raw.tools);
  installBoxHelpers(tools);
  const config = withResolvedTools(raw, tools);
  const out: CheckResult[] = [];
  out.push(...(await guarded('privileges', () => privilegeChecks())));
  const installed = backendsInstalled(config);
  out.push(installed.line);
  if (!tools.prlimit)
    out.push(
      result(
        'tracer box',
        'warn',
        'prlimit (util-linux) not found in /usr/sbin:/usr/bin:/sbin:/bin: tracers would run without resource limits',
        'apt-get install util-linux',
      ),
    );
  out.push(...(await guarded('attach', () => attachChecks(config, installed.backends))));
  out.push(...(await guarded('jcmd thread dump', async () => [await jcmdCheck(config)])));
  out.push(...(await guarded('targets', async () => targetChecks(await scanTargets(config)))));
  out.push(...(await guarded('stateDir', async () => stateDirChecks(config.stateDir))));
  out.push(...nodeFlagChecks(readNodeFlagInputs()));
  out.push(...(await guarded('alertmanager', () => alertmanagerChecks(config))));
  out.push(...(await guarded('slack webhook', () => slackChecks(config, opts.sendTest))));
  return out;
}

async function guarded(check: string, fn: () => Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await fn();
  } catch (err) {
    return [result(check, 'unknown', `the check itself failed: ${(err as Error).message.slice(0, 240)}`, null)];
  }
}
