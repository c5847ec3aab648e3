/**
 * How tests start the real CLI as a process: `node dist/cli.js` when dist/ is
 * up to date with src/ (`npm run test:unit` and `npm test` build first), else
 * `node --import tsx src/cli.ts`. Same program either way; the built one
 * starts in a third of the CPU (tsx loads and transforms the whole CLI graph
 * at every start, ~1.4 s of CPU against ~0.45 s). A dist/ older than any
 * source file is never used, so a test never runs stale code.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './native-build.js';

const SRC = join(REPO_ROOT, 'src');
const DIST = join(REPO_ROOT, 'dist');

/** True when every src/**\/*.ts has its dist/**\/*.js, written no earlier than the source. */
export function distIsFresh(dir = SRC): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!distIsFresh(path)) return false;
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const built = join(DIST, path.slice(SRC.length, -'.ts'.length) + '.js');
      if (!existsSync(built) || statSync(built).mtimeMs < statSync(path).mtimeMs) return false;
    }
  }
  return true;
}

/** node arguments that start the CLI; append the command and its options. */
export const CLI_ARGS: readonly string[] = distIsFresh()
  ? [join(DIST, 'cli.js')]
  : ['--import', 'tsx', join(SRC, 'cli.ts')];
