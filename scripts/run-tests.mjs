#!/usr/bin/env node
// Runs the test suite with Node's built-in runner (tsx for TypeScript).
// Usage: node scripts/run-tests.mjs [--unit] [dir-or-file ...]   (default: test/)
// --unit leaves out test/live and test/deploy: what needs neither root nor a
// system tool (npm run test:unit).
// --unit runs the files in parallel: the files that wait long (a daemon's
// ticks, a Slack stand-in, a server: see SOLO) one process each, the others
// imported into BATCHES shared processes, one entry module importing several
// files: node's start-up and tsx's load of src/ (~1.5 s of CPU for the
// daemon's graph) are then paid per batch, not per file. Twice as many
// batches as cores, so that on a machine shared with other work the suite
// keeps as many runnable processes as it did with one process per file, plus
// two slots for the SOLO files, whose waits overlap the batches' work. Node's
// default is cores - 1, one file at a time on a 2-core machine. A
// --test-concurrency=N given here wins.
// --unit starts the longest first (the solo files and the batches, these
// balanced by cost), so the pool does not end on one long file: the cost of
// each file is what its tests took in the last --unit run, recorded by
// scripts/test-costs-reporter.mjs in .tmp/run-tests/costs.json (a file not
// seen yet counts as a slow one). Only the order depends on it.
// Exits non-zero when any test fails. Node 20's --test does not expand globs
// nor pick up .ts files by itself, hence this small finder.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

const unit = process.argv.includes('--unit');
const SCRIPTS_DIR = dirname(fileURLToPath(import.meta.url));
const LIVE = new Set(['test/live', 'test/deploy']);

function find(path, out) {
  if (unit && LIVE.has(path)) return out;
  const st = statSync(path);
  if (st.isFile()) {
    if (path.endsWith('.test.ts')) out.push(path);
    return out;
  }
  for (const name of readdirSync(path).sort()) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    find(join(path, name), out);
  }
  return out;
}

const roots = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const extra = process.argv.slice(2).filter((a) => a.startsWith('--') && a !== '--unit');
/** Shared processes for the files that need no process of their own (see SOLO). */
const BATCHES = 2 * availableParallelism();
if (unit && !extra.some((a) => a.startsWith('--test-concurrency'))) extra.push(`--test-concurrency=${BATCHES + 2}`);
const files = (roots.length ? roots : ['test']).flatMap((r) => find(r, []));
if (files.length === 0) {
  console.error('run-tests: no *.test.ts files found under', roots.join(' ') || 'test');
  process.exit(1);
}

/**
 * A file that waits long on a daemon's ticks, a server or stand-in it listens with keeps a process of its own: its
 * waits overlap the others'. The rest share a few processes, since what costs there is each process loading src/
 * through tsx (~1.5 s of CPU for the daemon's graph): fastify's inject() runs the request in the process, a child
 * process (the built CLI, a probe) works while its parent waits for it, and the short timer waits add little.
 */
const SOLO = /daemon-process|slack-standin|\.listen\(|startDaemon/;
const BATCH_DIR = '.tmp/run-tests';
const COSTS_FILE = join(BATCH_DIR, 'costs.json');
const NEW_COSTS_FILE = join(BATCH_DIR, 'costs-last-run.json');
/** What starting a process costs (node, tsx, the imports), in ms of wall time on this machine, loaded. */
const START_MS = 800;
/** A file with no recorded cost is assumed slow, so a new file does not end the run. */
const UNKNOWN_MS = 5000;

function readCosts() {
  try {
    return JSON.parse(readFileSync(COSTS_FILE, 'utf8'));
  } catch {
    return {};
  }
}

/** The files to hand to node --test, longest first: the SOLO files as they are, the rest in BATCHES entry modules balanced by cost. */
function scheduled(list) {
  const recorded = readCosts();
  const cost = (f) => recorded[relative('.', f)] ?? UNKNOWN_MS;
  const solo = list.filter((f) => SOLO.test(readFileSync(f, 'utf8')));
  const shared = list.filter((f) => !solo.includes(f)).sort((a, b) => cost(b) - cost(a));
  const entries = solo.map((f) => ({ path: f, ms: START_MS + cost(f) }));
  rmSync(join(BATCH_DIR, 'batches'), { recursive: true, force: true });
  if (shared.length < 2) entries.push(...shared.map((f) => ({ path: f, ms: START_MS + cost(f) })));
  else {
    mkdirSync(join(BATCH_DIR, 'batches'), { recursive: true });
    const bins = Array.from({ length: Math.min(BATCHES, shared.length) }, () => ({ files: [], ms: START_MS }));
    for (const f of shared) {
      const bin = bins.reduce((least, b) => (b.ms < least.ms ? b : least));
      bin.files.push(f);
      bin.ms += cost(f);
    }
    bins.forEach((bin, b) => {
      const path = join(BATCH_DIR, 'batches', `batch-${b + 1}.test.mjs`);
      writeFileSync(path, bin.files.map((f) => `import ${JSON.stringify(pathToFileURL(resolve(f)).href)};\n`).join(''));
      entries.push({ path, ms: bin.ms });
    });
  }
  return entries.sort((a, b) => b.ms - a.ms).map((e) => e.path);
}

/** Adds this run's costs to the recorded ones (a subset run keeps the others'). */
function recordCosts() {
  if (!existsSync(NEW_COSTS_FILE)) return;
  try {
    const fresh = JSON.parse(readFileSync(NEW_COSTS_FILE, 'utf8'));
    const merged = readCosts();
    for (const [file, ms] of Object.entries(fresh)) merged[relative('.', file)] = Math.round(ms);
    writeFileSync(COSTS_FILE, JSON.stringify(merged, null, 1));
  } catch {
    // An interrupted run leaves a partial file: the order stays as it was.
  } finally {
    rmSync(NEW_COSTS_FILE, { force: true });
  }
}

const ownReporter = extra.some((a) => a.startsWith('--test-reporter'));
const reporters = ['--test-reporter=spec'];
if (unit && !ownReporter) {
  mkdirSync(BATCH_DIR, { recursive: true });
  rmSync(NEW_COSTS_FILE, { force: true });
  reporters.push(
    '--test-reporter-destination=stdout',
    `--test-reporter=${pathToFileURL(join(SCRIPTS_DIR, 'test-costs-reporter.mjs')).href}`,
    `--test-reporter-destination=${NEW_COSTS_FILE}`,
  );
}

const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', ...(ownReporter ? [] : reporters), ...extra, ...(unit ? scheduled(files) : files)],
  { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' } },
);
if (unit && !ownReporter) recordCosts();
process.exit(r.status ?? 1);
