/**
 * How tests start the real CLI as a process: `node dist/cli/index.js` when dist/ is
 * up to date with src/ (`npm run test:unit` and `npm test` build first), else
 * `node --import tsx src/cli/index.ts`. Same program either way; the built one
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
  ? [join(DIST, 'cli', 'index.js')]
  : ['--import', 'tsx', join(SRC, 'cli', 'index.ts')];

/**
 * A subcommand's main() run in this process as src/cli/index.ts runs it in its own: `env` over this process's
 * environment (FORKWATCH_CONFIG cleared, as the process tests do), stdout and stderr captured, a ConfigError
 * turned into 78 and `forkwatch: <message>`. For tests about what a command decides; each command keeps a
 * test of the real process for its exit status and output.
 */
export async function runMainHere(
  main: (argv: string[]) => Promise<number>,
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  const { ConfigError, EX_CONFIG } = await import('../../src/config/errors.js');
  const saved = process.env;
  const write = { out: process.stdout.write, err: process.stderr.write };
  let stdout = '';
  let stderr = '';
  process.env = { ...saved, FORKWATCH_CONFIG: '', NODE_OPTIONS: '', ...env };
  process.stdout.write = ((chunk: string | Uint8Array) => (
    (stdout += String(chunk)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (
    (stderr += String(chunk)),
    true
  )) as typeof process.stderr.write;
  try {
    const status = await main(argv);
    return { status, stdout, stderr };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { status: EX_CONFIG, stdout, stderr: `${stderr}forkwatch: ${err.message}\n` };
  } finally {
    process.env = saved;
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}
