/**
 * The ps scanner across scans, on a stand-in `ps` (a script printing a fixed
 * illumos listing, so etime stands still while the clock moves, as between
 * two real listings within the same second). Start times are estimates
 * (listing time − etime): each identity keeps its first one, so what is keyed
 * on (pid, start time) — one capture per child, one incident per child —
 * holds across scans; a pid whose etime says it is another process is new.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScanner } from '../../../src/stages/scanner.js';
import { resolveConfig } from '../../../src/config/load.js';

const JVM = '/usr/jdk/instances/jdk1.8.0/bin/java -Xmx4g -jar /opt/jenkins/jenkins.war';
const row = (pid: number, ppid: number, etime: string, nlwp: number) =>
  `${String(pid).padStart(5)} ${String(ppid).padStart(5)}   101 ${etime.padStart(11)}        0:00 S ${String(nlwp).padStart(4)} java     ${JVM}`;
const HEADER = '  PID  PPID   UID     ELAPSED        TIME S NLWP COMMAND  COMMAND';

test('ps source: a child keeps its first start-time estimate across scans; a reused pid does not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-ps-'));
  try {
    const listing = join(dir, 'listing.txt');
    const ps = join(dir, 'ps');
    writeFileSync(ps, `#!/bin/sh\nexec cat ${listing}\n`);
    chmodSync(ps, 0o755);
    const write = (childEtime: string) =>
      writeFileSync(
        listing,
        [HEADER, row(812, 1, '12-03:10:02', 187), row(4711, 812, childEtime, 1)].join('\n') + '\n',
      );
    write('05:00');
    let now = 1_800_000_000_000;
    const config = resolveConfig({
      targets: [{ name: 'jenkins', pid: 812 }],
      hungAfter: '60s',
      source: 'ps',
      tools: { ps, ptree: '/nonexistent/ptree' },
    });
    const scanner = createScanner(config, { platform: 'sunos', now: () => now, host: 'h' });
    const childStart = async () => {
      const r = await scanner.scan();
      assert.deepEqual(
        r.targets.map((t) => t.process.pid),
        [812],
        JSON.stringify(r.warnings),
      );
      return {
        child: r.children.find((c) => c.child.pid === 4711)!.child.startTimeMs,
        target: r.targets[0]!.process.startTimeMs,
      };
    };
    const first = await childStart();
    await new Promise((r) => setTimeout(r, 400)); // the real clock moves (ps listing time), etime does not
    now += 400;
    const second = await childStart();
    assert.deepEqual(second, first, 'the same estimates: child and target');

    write('00:03'); // pid 4711 is now a 3 s old process: another one
    const third = await childStart();
    assert.ok(
      first.child - third.child < -200_000,
      `a new start time for a new process: ${first.child} → ${third.child}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
