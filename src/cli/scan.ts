/**
 * forkwatch scan [--config F] [--json] [--watch] [--hung-after D]
 *                [--ps-output FILE|-] [--ps-platform illumos|linux]
 * Exit: 0 nothing overdue, 1 an overdue never-exec'd child, 3 cannot tell
 * (no target found, permission denied), 78 bad config or option.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { parseDuration } from '../config/duration.js';
import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/config.js';
import { classifyPsListing, createScanner } from '../classify/scanner.js';
import { exitStatusOf, reportToJson } from '../classify/report.js';
import { BASE_COLUMNS, formatSummary, formatTable, type Column } from '../classify/report-table.js';
import type { ScanReport } from '../classify/types.js';
import { parsePsListing } from '../scan/ps-parse.js';
import { newTally, warn } from '../scan/tally.js';
import { CONFIG_OPTION, parseCommandArgs } from './args.js';

const OPTIONS = {
  ...CONFIG_OPTION,
  json: { type: 'boolean' },
  watch: { type: 'boolean' },
  'hung-after': { type: 'string' },
  'ps-output': { type: 'string' },
  'ps-platform': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `usage: forkwatch scan [--config FILE] [--json] [--watch] [--hung-after DURATION]
                     [--ps-output FILE|-] [--ps-platform illumos|linux]

Finds children of the watched JVMs that forked but never exec'd.
  --json          print the report as JSON (--watch: one object per line)
  --watch         scan again every \`interval\` until interrupted
  --hung-after D  override hungAfter (e.g. 30s, 2m)
  --ps-output F   classify a \`ps -e -o ${'pid,ppid,uid,etime,time,s,nlwp,fname,args'}\` listing
                  captured elsewhere (F or - for stdin) instead of this host
  --ps-platform   where that listing came from: illumos (default; fname is the
                  image name) or linux (fname is a thread name: not compared)
exit: 0 nothing overdue, 1 overdue never-exec'd child, 3 cannot tell, 78 bad option
`;

export interface PrintOptions {
  json?: boolean;
  /** Compact one-line JSON (watch mode). */
  jsonLines?: boolean;
  /** Columns appended after the base ones (capture, signature, evidence). */
  extraColumns?: Column[];
  out?: NodeJS.WritableStream;
}

export function printScanReport(report: ScanReport, opts: PrintOptions = {}): void {
  const out = opts.out ?? process.stdout;
  if (opts.json) {
    out.write(`${JSON.stringify(reportToJson(report), null, opts.jsonLines ? undefined : 2)}\n`);
    return;
  }
  if (report.children.length > 0) out.write(formatTable(report.children, [...BASE_COLUMNS, ...(opts.extraColumns ?? [])]));
  out.write(formatSummary(report));
  for (const w of report.warnings.slice(0, 20)) {
    process.stderr.write(`warning: ${w.pid ? `pid ${w.pid}: ` : ''}${w.message}\n`);
  }
}

function applyOverrides(config: Config, hungAfter: string | undefined): Config {
  if (hungAfter === undefined) return config;
  const ms = parseDuration(hungAfter);
  if (ms === null) throw new ConfigError('--hung-after', hungAfter, 'a duration such as "500ms", "15s", "5m" or a number of seconds');
  return { ...config, hungAfterMs: ms };
}

function scanPsFile(path: string, platform: string | undefined, config: Config): ScanReport {
  if (platform !== undefined && platform !== 'illumos' && platform !== 'linux') {
    throw new ConfigError('--ps-platform', platform, 'illumos or linux');
  }
  const tally = newTally('ps');
  let text = '';
  try {
    text = readFileSync(path === '-' ? 0 : path).subarray(0, 64 * 1024 * 1024).toString('utf8');
  } catch (err) {
    warn(tally, { file: path, message: `cannot read: ${(err as Error).message}` });
  }
  const nowMs = Date.now();
  const compareComm = platform !== 'linux';
  const listing = parsePsListing(text, { atMs: nowMs, argsMayBeTruncated: compareComm });
  tally.stats.processesRead = listing.processes.length;
  tally.stats.malformed = listing.malformed;
  for (const w of listing.warnings) warn(tally, w);
  return classifyPsListing(listing.processes, config, { nowMs, compareComm, tally, host: path });
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('scan', argv, OPTIONS);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const config = applyOverrides(loadConfig({ file: values.config }), values['hung-after']);
  if (values['ps-output'] !== undefined) {
    const report = scanPsFile(values['ps-output'], values['ps-platform'], config);
    printScanReport(report, { json: values.json });
    return exitStatusOf(report);
  }
  const scanner = createScanner(config);
  if (!values.watch) {
    const report = await scanner.scan();
    printScanReport(report, { json: values.json });
    return exitStatusOf(report);
  }
  return watch(scanner, config.intervalMs, Boolean(values.json));
}

async function watch(scanner: ReturnType<typeof createScanner>, intervalMs: number, json: boolean): Promise<number> {
  let stopped = false;
  let wake: () => void = () => {};
  const stop = () => {
    stopped = true;
    wake();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let status = 0;
  while (!stopped) {
    const report = await scanner.scan();
    status = exitStatusOf(report);
    if (!json) process.stdout.write(`--- ${new Date(report.at).toISOString()}\n`);
    printScanReport(report, { json, jsonLines: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, intervalMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  return status;
}
