#!/usr/bin/env node
// Runs the test suite with Node's built-in runner (tsx for TypeScript).
// Usage: node scripts/run-tests.mjs [--unit] [dir-or-file ...]   (default: test/)
// --unit leaves out test/live and test/deploy: what needs neither root nor a
// system tool (npm run test:unit).
// Exits non-zero when any test fails. Node 20's --test does not expand globs
// nor pick up .ts files by itself, hence this small finder.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
const files = (roots.length ? roots : ['test']).flatMap((r) => find(r, []));
if (files.length === 0) {
  console.error('run-tests: no *.test.ts files found under', roots.join(' ') || 'test');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...extra, ...files],
  { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' } },
);
process.exit(r.status ?? 1);
