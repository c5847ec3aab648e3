/** Shared by test/security/config-reads.test.ts and test/live/security/config-reads.test.ts. */
import assert from 'node:assert/strict';
import { EX_CONFIG } from '../../src/config/errors.js';
import { type CliRun } from './config-reads-cli.js';

export function assertRefused(what: string, r: CliRun, ...mentions: RegExp[]): void {
  assert.equal(r.status, EX_CONFIG, `${what}: exit ${r.status}; stderr: ${r.stderr}`);
  for (const m of mentions) assert.match(r.stderr, m, what);
  assert.ok(r.ms < 10_000, `${what}: refused only after ${Math.round(r.ms)} ms`);
}
