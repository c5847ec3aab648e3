/**
 * forkwatch scan [--config F] [--json] [--watch] [--hung-after D] [--no-capture]
 *                [--ps-output FILE|-] [--ps-platform illumos|linux]
 * Each overdue never-exec'd child is confirmed as the daemon does
 * (./scan-confirm.ts). Exit: 0 nothing overdue, 1 an overdue never-exec'd
 * child, 2 a deadlock confirmed (signature or kernel proof), 3 cannot tell
 * (no target found, permission denied), 78 bad config or option.
 */
import { readFileSync } from 'node:fs';
import { readFileBounded } from '../util/read-file-bounded.js';
import { loadConfig } from '../config/load.js';
import { resolveToolsAtStart } from '../capture/tools.js';
import { parseDuration } from '../config/duration.js';
import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/config.js';
import { classifyPsListing } from '../stages/scanner.js';
import { exitStatusOf, reportToJson } from './scan-report.js';
import type { ScanConfirmation } from './scan-confirmation.js';
import {
  BASE_COLUMNS,
  confirmationColumns,
  formatConfirmSummary,
  formatSummary,
  formatTable,
  type Column,
} from './scan-table.js';
import { buildStages } from '../stages/build.js';
import type { ScannerPort as Scanner } from '../stages/ports.js';
import { silentLogger } from '../util/logger.js';
import type { ScanReport } from '../classify/types.js';
import { parsePsListing } from '../scan/ps-parse.js';
import { newTally, warn } from '../scan/tally.js';
import { CONFIG_OPTION, parseCommandArgs } from './args.js';
import { createConfirmer, SAMPLE_GAP_MS, settle, type Confirmer } from './scan-confirm.js';

const OPTIONS = {
  ...CONFIG_OPTION,
  json: { type: 'boolean' },
  watch: { type: 'boolean' },
  'hung-after': { type: 'string' },
  'no-capture': { type: 'boolean' },
  'ps-output': { type: 'string' },
  'ps-platform': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `usage: forkwatch scan [--config FILE] [--json] [--watch] [--hung-after DURATION]
                     [--no-capture] [--ps-output FILE|-] [--ps-platform illumos|linux]

Finds children of the watched JVMs that forked but never exec'd, and confirms
each overdue one as the daemon does: two kernel samples ${SAMPLE_GAP_MS} ms apart (no
ptrace), one stack capture (capture.order), a match against the signatures.
A never-exec'd child older than hungAfter that is not overdue (it runs or
sleeps) gets one stack too, the second look (capture.secondLook): one stuck
inside fork() (a child handler spinning) is confirmed by its signature.
  --json          print the report as JSON (--watch: one object per line)
  --watch         scan again every \`interval\` until interrupted; each child
                  is captured once
  --hung-after D  override hungAfter (e.g. 30s, 2m)
  --no-capture    kernel evidence only: no ptrace, no capture, no match
  --ps-output F   classify a \`ps -e -o ${'pid,ppid,uid,etime,time,s,nlwp,fname,args'}\` listing
                  captured elsewhere (F or - for stdin) instead of this host;
                  nothing in it can be captured or confirmed
  --ps-platform   where that listing came from: illumos (default; fname is the
                  image name) or linux (fname is a thread name: not compared)
exit: 0 nothing overdue, 1 overdue never-exec'd child (unconfirmed),
      2 a deadlock confirmed (signature or kernel proof), 3 cannot tell, 78 bad option
`;

export interface PrintOptions {
  json?: boolean;
  /** Compact one-line JSON (watch mode). */
  jsonLines?: boolean;
  /** Columns appended after the base ones (capture, signature, evidence). */
  extraColumns?: Column[];
  /** What the confirmation of the overdue children found (JSON fields, table columns, exit 2). */
  confirmation?: ScanConfirmation;
  out?: NodeJS.WritableStream;
}

export function printScanReport(report: ScanReport, opts: PrintOptions = {}): void {
  const out = opts.out ?? process.stdout;
  if (opts.json) {
    out.write(`${JSON.stringify(reportToJson(report, opts.confirmation), null, opts.jsonLines ? undefined : 2)}\n`);
    return;
  }
  const conf = opts.confirmation;
  const columns = [...BASE_COLUMNS, ...(conf ? confirmationColumns(conf) : []), ...(opts.extraColumns ?? [])];
  if (report.children.length > 0) out.write(formatTable(report.children, columns));
  out.write(formatSummary(report));
  if (conf) out.write(formatConfirmSummary(conf));
  for (const w of report.warnings.slice(0, 20)) {
    process.stderr.write(`warning: ${w.pid ? `pid ${w.pid}: ` : ''}${w.message}\n`);
  }
}

function applyOverrides(config: Config, hungAfter: string | undefined): Config {
  if (hungAfter === undefined) return config;
  const ms = parseDuration(hungAfter);
  if (ms === null)
    throw new ConfigError('--hung-after', hungAfter, 'a duration such as "500ms", "15s", "5m" or a number of seconds');
  return { ...config, hungAfterMs: ms };
}

function scanPsFile(path: string, platform: string | undefined, config: Config): ScanReport {
  if (platform !== undefined && platform !== 'illumos' && platform !== 'linux') {
    throw new ConfigError('--ps-platform', platform, 'illumos or linux');
  }
  const tally = newTally('ps');
  let text = '';
  try {
    // A file: regular and at most PS_LISTING_MAX bytes (a FIFO or /dev/zero is refused at once);
    // stdin is the operator's own pipe: read to the same cap.
    text = (
      path === '-' ? readFileSync(0).subarray(0, PS_LISTING_MAX) : readFileBounded(path, PS_LISTING_MAX).bytes
    ).toString('utf8');
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

/** Why `--ps-output` confirms nothing: the processes are on another host. */
export const PS_OUTPUT_REASON = '--ps-output: a listing from another host, nothing here to sample or capture';

/** A `ps -e` listing of 100,000 processes is ~20 MiB. */
const PS_LISTING_MAX = 64 * 1024 * 1024;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('scan', argv, OPTIONS);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const config = applyOverrides(loadConfig({ file: values.config }), values['hung-after']);
  if (values['ps-output'] !== undefined) {
    const report = scanPsFile(values['ps-output'], values['ps-platform'], config);
    const confirmation: ScanConfirmation = { mode: 'none', reason: PS_OUTPUT_REASON, sampleGapMs: null, children: [] };
    printScanReport(report, { json: values.json, confirmation });
    return exitStatusOf(report, confirmation);
  }
  const { scanner, confirmer } = buildScan(resolveToolsAtStart(config), Boolean(values['no-capture']));
  if (!values.watch) return scanAndConfirm(scanner, confirmer, { json: values.json });
  return watch(scanner, confirmer, config.intervalMs, Boolean(values.json));
}

/** The daemon's scanner, capturer and matcher (src/stages/build.ts), capturing each child once. */
function buildScan(config: Config, noCapture: boolean): { scanner: Scanner; confirmer: Confirmer } {
  const kernelOnly = noCapture || !config.capture.enabled;
  const capture = { ...config.capture, enabled: !kernelOnly, recaptureAfterMs: 0 };
  const stages = buildStages({ ...config, capture }, silentLogger());
  if (!stages.evidence) throw new Error('internal: the daemon stages came without a capturer');
  const confirmer = createConfirmer({
    evidence: stages.evidence,
    matcher: kernelOnly ? null : stages.matcher,
    mode: kernelOnly ? 'kernel-only' : 'capture',
    reason: noCapture ? '--no-capture' : kernelOnly ? 'capture.enabled is false' : null,
  });
  return { scanner: stages.scanner, confirmer };
}

async function scanAndConfirm(scanner: Scanner, confirmer: Confirmer, opts: PrintOptions): Promise<number> {
  const scanned = await scanner.scan();
  const confirmation = await confirmer.confirm(scanned);
  const report = settle(scanned, confirmation);
  printScanReport(report, { ...opts, confirmation });
  return exitStatusOf(report, confirmation);
}

async function watch(scanner: Scanner, confirmer: Confirmer, intervalMs: number, json: boolean): Promise<number> {
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
    if (!json) process.stdout.write(`--- ${new Date().toISOString()}\n`);
    status = await scanAndConfirm(scanner, confirmer, { json, jsonLines: true });
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
