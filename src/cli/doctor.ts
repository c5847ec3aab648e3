/**
 * forkwatch doctor [--config FILE] [--json] [--send-test]: checks this host
 * before the first hang (src/doctor/). Exit (monitoring-plugin convention):
 * 0 all ok, 1 a warning, 2 a failure, 3 cannot tell; 78 bad config or option.
 */
import { loadConfig } from '../config/load.js';
import { closeStrayDescriptors } from '../util/descriptors.js';
import { checklistToJson, formatChecklist } from '../doctor/report.js';
import { runDoctor } from '../doctor/run.js';
import { killOwnChildren } from '../doctor/own-child.js';
import { exitStatusOf } from '../doctor/types.js';
import { CONFIG_OPTION, parseCommandArgs } from './args.js';

const OPTIONS = {
  ...CONFIG_OPTION,
  json: { type: 'boolean' },
  'send-test': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `usage: forkwatch doctor [--config FILE] [--json] [--send-test]

Checks this host before the first hang, one line per check (ok, WARN, CRIT,
skip, ??), each failed line with its fix: privileges (root or
CAP_SYS_PTRACE + CAP_DAC_READ_SEARCH; illumos proc_owner) and Yama
ptrace_scope; the capture backends installed and whether each can attach
(to a short-lived child of doctor's own, never a watched process); jcmd
(when threadDump.enabled); the targets found with their users and whether
their /proc/PID/syscall is readable; the stateDir; the node flags; each
Alertmanager's GET /api/v2/status; the Slack webhook.
  --json        a JSON array of { check, status, detail, fix }
  --send-test   send one test message to the Slack webhook
exit: 0 all ok, 1 a warning, 2 a failure, 3 cannot tell, 78 bad config or option
`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('doctor', argv, OPTIONS);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const config = loadConfig({ file: values.config });
  closeStrayDescriptors(); // as at daemon start: no inherited descriptor reaches a tracer
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killOwnChildren(); // its sleep and its JVM, by pid; tracers die with their box's deadline
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
  const results = await runDoctor(config, { sendTest: Boolean(values['send-test']) });
  process.stdout.write(values.json ? checklistToJson(results) : formatChecklist(results));
  return exitStatusOf(results);
}
