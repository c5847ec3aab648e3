#!/usr/bin/env node
/**
 * forkwatch CLI: argv → one subcommand. Each subcommand lives in src/cli/
 * and returns its exit status; config errors exit 78 (EX_CONFIG).
 */
import { ConfigError, EX_CONFIG } from '../config/errors.js';

type Main = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ main: Main }> }> = {
  run: { summary: 'run the daemon (scan on a schedule, record, alert, serve the API)', load: () => import('./run.js') },
  scan: { summary: "find forked-but-never-exec'd children of the watched JVMs", load: () => import('./scan.js') },
  classify: {
    summary: 'parse a stack dump and match it against the deadlock signatures',
    load: () => import('./classify.js'),
  },
  audit: {
    summary: "rate each watched JVM's fork-deadlock risk (none/low/high), with evidence and prevention",
    load: () => import('./audit.js'),
  },
  bundle: { summary: "write an incident's evidence bundle", load: () => import('./bundle.js') },
  doctor: {
    summary: 'check this host before the first hang (privileges, tracers, targets, stateDir, alerts)',
    load: () => import('./doctor.js'),
  },
  demo: {
    summary: 'a real post-fork deadlock on this machine, caught by forkwatch stage by stage',
    load: () => import('./demo.js'),
  },
  'check-config': {
    summary: 'validate the configuration and print the effective config',
    load: () => import('./check-config.js'),
  },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(13)} ${c.summary}`);
  return `usage: forkwatch <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nforkwatch <command> --help for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 64;
  }
  if (name === '--version') {
    const { VERSION } = await import('../version.js');
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`forkwatch: unknown command "${name}"\n\n${usage()}`);
    return 64;
  }
  try {
    const mod = await cmd.load();
    return await mod.main(rest);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`forkwatch: ${err.message}\n`);
      return EX_CONFIG;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`forkwatch: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 70;
  },
);
