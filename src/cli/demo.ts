/**
 * forkwatch demo [--reproducer c|python] [--remediate] [--once] [--timeout D]
 * A real post-fork deadlock on this machine and the real daemon catching it,
 * stage by stage (src/demo/run.ts). Exit: 0 done (--once: an incident
 * confirmed end to end), 130 stopped by Ctrl-C, 143 by SIGTERM,
 * 1 no confirmed incident in time or a failure, 69 no toolchain to build the
 * reproducer, 78 bad option.
 */
import { parseDuration } from '../config/duration.js';
import { ConfigError } from '../config/errors.js';
import { runDemo } from '../demo/run.js';
import { REPRODUCER_KINDS, type ReproducerKind } from '../demo/toolchain.js';
import { parseCommandArgs } from './args.js';

const OPTIONS = {
  reproducer: { type: 'string' },
  remediate: { type: 'boolean' },
  once: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `usage: forkwatch demo [--reproducer c|python] [--remediate] [--once] [--timeout DURATION]

Builds a small program that deadlocks after fork() (C if a compiler is
installed, else Python 3), starts the forkwatch daemon watching it (temporary
stateDir, loopback port, Slack pointed at a local stand-in: nothing is sent),
and shows each stage as the daemon reports it. Ctrl-C ends everything it
started and removes its files.

  --reproducer c|python  force one reproducer instead of the first available
  --remediate            let the daemon kill the hung child; shows the parent moving on
  --once                 stop after the first confirmed incident (exit 0), or exit 1
                         when none is confirmed within --timeout (default 60s)
`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('demo', argv, OPTIONS);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const kind = values.reproducer;
  if (kind !== undefined && !REPRODUCER_KINDS.includes(kind as ReproducerKind)) {
    throw new ConfigError('forkwatch demo --reproducer', kind, `must be one of ${REPRODUCER_KINDS.join(', ')}`);
  }
  const timeoutMs = parseDuration(values.timeout ?? '60s');
  if (timeoutMs === null || timeoutMs <= 0)
    throw new ConfigError('forkwatch demo --timeout', values.timeout, 'must be a duration such as "60s" or "2m"');
  return runDemo({
    reproducer: (kind as ReproducerKind | undefined) ?? null,
    remediate: values.remediate ?? false,
    once: values.once ?? false,
    timeoutMs,
    out: (text) => process.stdout.write(text),
  });
}
