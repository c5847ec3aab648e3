#!/usr/bin/env node
// Runs the test suite with Node's built-in runner (tsx for TypeScript).
// Usage: node scripts/run-tests.mjs [--unit] [dir-or-file ...]   (default: test/)
// --unit leaves out test/live and test/deploy: what needs neither root nor a
// system tool (npm run test:unit).
// --unit also runs the files in parallel (one process each): twice as many at
// once as there are cores, since many unit files mostly wait (a daemon's
// ticks, a child process). Node's default is cores - 1, one file at a time
// on a 2-core machine. A --test-concurrency=N given here wins.
// --unit runs the files that only compute (no child process, server, timer or
// daemon: see SOLO) in a few shared processes, one entry module importing
// several files: node's start-up and tsx's load of src/ are then paid per
// batch, not per file (~0.7 s of CPU each on this machine, 61 files).
// Exits non-zero when any test fails. Node 20's --test does not expand globs
// nor pick up .ts files by itself, hence this small finder.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

const unit = process.argv.includes('--unit');
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
if (unit && !extra.some((a) => a.startsWith('--test-concurrency')))
  extra.push(`--test-concurrency=${2 * availableParallelism()}`);
const files = (roots.length ? roots : ['test']).flatMap((r) => find(r, []));
if (files.length === 0) {
  console.error('run-tests: no *.test.ts files found under', roots.join(' ') || 'test');
  process.exit(1);
}

/** A file that starts processes or servers, or waits on timers, keeps a process of its own (its waits overlap the others'). */
const SOLO =
  /node:child_process|cli-command|daemon-process|slack-standin|config-reads-cli|\.listen\(|setTimeout|setInterval|inject\(|fastify|startDaemon|until\(|waitFor/;
const BATCHES = 4;
const BATCH_DIR = '.tmp/run-tests';

/** The files to hand to node --test: the SOLO files as they are, the rest in BATCHES entry modules. */
function batched(list) {
  const solo = list.filter((f) => SOLO.test(readFileSync(f, 'utf8')));
  const shared = list.filter((f) => !solo.includes(f));
  if (shared.length < 2) return list;
  rmSync(BATCH_DIR, { recursive: true, force: true });
  mkdirSync(BATCH_DIR, { recursive: true });
  const entries = [];
  for (let b = 0; b < BATCHES; b++) {
    const part = shared.filter((_, i) => i % BATCHES === b);
    if (part.length === 0) continue;
    const entry = join(BATCH_DIR, `batch-${b + 1}.test.mjs`);
    writeFileSync(entry, part.map((f) => `import ${JSON.stringify(pathToFileURL(resolve(f)).href)};\n`).join(''));
    entries.push(entry);
  }
  return [...solo, ...entries];
}

const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...extra, ...(unit ? batched(files) : files)],
  { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' } },
);
process.exit(r.status ?? 1);
