/** Shared by test/security/secret-files.test.ts and test/live/security/secret-files.test.ts. */
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EX_CONFIG } from '../../src/config/errors.js';
import { runCli } from './config-reads-cli.js';

export const TOKEN = 'secret-files-test-token-0123456789';

/** Writes `text` to dir/name with exactly `mode` (chmod after: the umask does not decide). */
export function secretFile(dir: string, name: string, text: string, mode: number): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

export function checkConfig(env: NodeJS.ProcessEnv): ReturnType<typeof runCli> {
  return runCli(['check-config', '--json'], { env });
}

export function assertRefused(r: { status: number | null; stderr: string }, ...mentions: RegExp[]): void {
  assert.equal(r.status, EX_CONFIG, `exit ${r.status}; stderr: ${r.stderr}`);
  for (const m of mentions) assert.match(r.stderr, m);
}
