/**
 * Live: capture the suite's hung child NOW with eu-stack and gdb, with and
 * without symbols (stripped binary, tools pointed away from /usr/lib/debug),
 * and check each parses and matches glibc-atfork-child-lock; the decoys must
 * not match, with or without --forked-child. The spinning child (its atfork
 * child handler spins and sleeps for a flag another thread of the parent
 * set: stuck inside fork, in no lock wait) is fork-child-handlers-never-return
 * with --forked-child, and no deadlock as pasted (one snapshot shows no time). Guards the committed fixtures against a different glibc/gdb on
 * the CI machine. A missing tool fails the test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { requireTool } from '../../helpers/native-build.js';
import { startDeadlocker, type Deadlocker } from '../../helpers/deadlocker.js';
import { parseStack } from '../../../src/capture/parse/index.js';
import { loadSignatures, matchSignatures } from '../../../src/match/index.js';

const lib = loadSignatures().signatures;
const NO_DEBUG_GDB = ['-iex', 'set debug-file-directory /nonexistent', '-iex', 'set debuginfod enabled off'];
const TOOLS: Record<string, (pid: number, noDebug: boolean) => [string, string[]]> = {
  'eu-stack': (pid, noDebug) => [
    'eu-stack',
    [...(noDebug ? ['--debuginfo-path=/nonexistent'] : []), '-m', '-p', String(pid)],
  ],
  gdb: (pid, noDebug) => [
    'gdb',
    ['-batch', '-nx', ...(noDebug ? NO_DEBUG_GDB : []), '-ex', 'thread apply all bt', '-p', String(pid)],
  ],
};

function capture(tool: string, pid: number, noDebug: boolean): string {
  const [cmd, args] = TOOLS[tool]!(pid, noDebug);
  const env = { ...process.env };
  delete env.DEBUGINFOD_URLS;
  try {
    return execFileSync(cmd, args, { env, timeout: 60_000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const out = (err as { stdout?: string }).stdout;
    if (out) return out; // eu-stack exits 1 when some frames had errors, yet prints them
    throw err;
  }
}

for (const stripped of [false, true]) {
  describe(stripped ? 'stripped binary' : 'binary with symbols', () => {
    let d: Deadlocker;
    before(async () => {
      requireTool('eu-stack');
      requireTool('gdb');
      d = await startDeadlocker({ hung: 1, spinning: 1, threads: 2, stripped, sleeper: true, accepter: true });
    });
    after(async () => {
      await d?.stop();
    });
    for (const tool of Object.keys(TOOLS)) {
      for (const noDebug of [false, true]) {
        test(`live ${tool}, ${noDebug ? 'no debuginfo' : 'with libc debuginfo'}: hung child → glibc-atfork-child-lock; decoys → none`, () => {
          const hung = parseStack(capture(tool, d.pidsOf('hung')[0]!, noDebug));
          assert.equal(hung.format, tool);
          const m = matchSignatures(hung.threads, lib);
          assert.equal(
            m.matches[0]?.signatureId,
            'glibc-atfork-child-lock',
            JSON.stringify(hung.threads[0]?.frames.map((f) => f.fn)),
          );
          for (const role of ['sleeper', 'accepter'] as const) {
            const threads = parseStack(capture(tool, d.pidsOf(role)[0]!, noDebug)).threads;
            for (const forkedChild of [false, true]) {
              const decoy = matchSignatures(threads, lib, { forkedChild });
              assert.equal(
                decoy.deadlock,
                false,
                `${role}${forkedChild ? ' (forked child)' : ''}: ${decoy.matches.map((x) => x.signatureId).join(',')}`,
              );
            }
          }
        });
        test(`live ${tool}, ${noDebug ? 'no debuginfo' : 'with libc debuginfo'}: spinning child → fork-child-handlers-never-return with --forked-child, none as pasted`, () => {
          const spinning = parseStack(capture(tool, d.pidsOf('spinning')[0]!, noDebug));
          const names = JSON.stringify(spinning.threads[0]?.frames.map((f) => f.fn));
          const forked = matchSignatures(spinning.threads, lib, { forkedChild: true });
          assert.equal(forked.matches[0]?.signatureId, 'fork-child-handlers-never-return', names);
          assert.equal(matchSignatures(spinning.threads, lib).deadlock, false, names);
        });
      }
    }
  });
}
