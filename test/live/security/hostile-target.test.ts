/**
 * Issue 12, "nothing read from a watched process is ever executed": the REAL
 * daemon, as root, with its API token and a Slack webhook in its environment
 * (FORKWATCH_AUTH_TOKEN, FORKWATCH_ALERTS_SLACK_WEBHOOK_URL), thread dumps
 * and cores on, beside a hostile process started as nobody (test/helpers/native/
 * hostile-forker.c): its cmdline names jenkins.war, its binary sits at
 * HOME/bin/java with no JDK release file beside it (where forkwatch used to
 * run `<exe> -version`), its child really deadlocks after fork, its binary
 * records any execution of itself (uid, argv, full environment) and a thread
 * of it reads the environment of every process it may (as nobody: a jcmd the
 * daemon runs as the target's user).
 *
 * The hung child must be confirmed as a deadlock, the incident's bundle
 * fetched through the API; the binary never run again; none of forkwatch's
 * secrets in anything the hostile process could read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { buildNative, requireTool } from '../../helpers/native-build.js';
import { runDaemon, writeDaemonConfig } from '../../helpers/daemon-process.js';
import { startSlackStandin, WEBHOOK_PATH } from '../../helpers/slack-standin.js';
import { waitFor } from '../../helpers/wait.js';

const TOKEN = `hostile-target-token-${randomBytes(8).toString('hex')}`;
const NOBODY = 65534;

interface Started {
  pid: number;
  hung: number;
  stop(): void;
}

/** Start the forker as nobody:nogroup (setpriv), as its original start; learn its hung child. */
async function startHostile(bin: string, id: string): Promise<Started> {
  const proc = spawn(
    'setpriv',
    [
      '--reuid=nobody',
      '--regid=nogroup',
      '--clear-groups',
      bin,
      '-jar',
      '/srv/jenkins/jenkins.war',
      `--hostile-id=${id}`,
    ],
    {
      cwd: join(bin, '..'),
      env: { PATH: '/usr/bin:/bin', HOSTILE_ORIGINAL_START: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let hung = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('hostile-forker did not print "ready" within 10 s')), 10_000);
    proc.once('exit', (code) => reject(new Error(`hostile-forker exited early with ${code}`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line.startsWith('hung ')) hung = Number(line.slice(5));
      if (line === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  proc.removeAllListeners('exit');
  const kill = (pid: number): void => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  return { pid: proc.pid!, hung, stop: () => [hung, proc.pid!].forEach(kill) };
}

function uidOf(pid: number): number {
  return Number(/^Uid:\s+([0-9]+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

test(
  'a hostile target run by nobody: its deadlock is confirmed, its binary never run, no secret reaches it',
  { timeout: 180_000 },
  async (t) => {
    requireTool('eu-stack', ['--version']);
    requireTool('jcmd', ['-h']);
    requireTool('setpriv', ['--version']);
    const dir = mkdtempSync(join(tmpdir(), 'forkwatch-hostile-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o755);
    // HOME/bin/java with no HOME/release: the layout that made forkwatch run `<exe> -version`.
    const home = join(dir, 'jdk');
    const binDir = join(home, 'bin');
    mkdirSync(binDir, { recursive: true });
    chmodSync(home, 0o755);
    chownSync(binDir, NOBODY, NOBODY);
    const bin = join(binDir, 'java');
    copyFileSync(buildNative('hostile-forker'), bin);
    chmodSync(bin, 0o755);
    const executions = join(binDir, 'executions.log');
    const seen = join(binDir, 'seen.log');

    // The recorder works: a foreign execution is written down with its environment.
    spawnSync(bin, ['-version'], { env: { PROBE_SECRET: 'recorder-works' }, stdio: 'ignore', timeout: 10_000 });
    assert.match(readFileSync(executions, 'utf8'), /^argv\[1\]=-version$[\s\S]*^env PROBE_SECRET=recorder-works$/m);
    unlinkSync(executions);

    const id = randomBytes(6).toString('hex');
    const hostile = await startHostile(bin, id);
    t.after(() => hostile.stop());
    assert.equal(uidOf(hostile.pid), NOBODY);
    assert.equal(uidOf(hostile.hung), NOBODY);

    const slack = await startSlackStandin();
    t.after(() => slack.close());
    const config = writeDaemonConfig(dir, {
      interval: '1s',
      hungAfter: '1s',
      targets: [{ name: 'jenkins', cmdline: `jenkins\\.war --hostile-id=${id}`, user: '^nobody$' }],
      threadDump: { enabled: true, timeout: '3s' },
      core: { enabled: true, maxBytes: 64 * 1024 * 1024 },
    });
    process.env.FORKWATCH_AUTH_TOKEN = TOKEN;
    process.env.FORKWATCH_ALERTS_SLACK_WEBHOOK_URL = slack.url;
    let d;
    try {
      d = await runDaemon(config, join(dir, 'daemon.log'));
    } finally {
      delete process.env.FORKWATCH_AUTH_TOKEN;
      delete process.env.FORKWATCH_ALERTS_SLACK_WEBHOOK_URL;
    }
    const daemon = d;
    t.after(() => daemon.kill());
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    const api = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${daemon.url}${path}`, auth);
      assert.equal(res.status, 200, `${path}: ${res.status}`);
      return (await res.json()) as T;
    };

    // 1. The hung child is confirmed as a deadlock, and alerted.
    const incident = await waitFor(
      'the hung child confirmed',
      async () => {
        const page = await api<{ items: { id: string; childPid: number; state: string }[] }>(
          '/api/v1/incidents?limit=100',
        );
        return page.items.find((i) => i.childPid === hostile.hung && i.state === 'confirmed');
      },
      60_000,
    );
    await slack.waitForRequests(1, 30_000);

    // 2. Thread dumps were exercised: a jcmd ran as nobody (the hostile watcher saw it), boxed.
    // The watcher records a process once, when it first may read it: as jcmd, or as setpriv right after
    // it switched to nobody and before it exec'd jcmd (its cmdline then names jcmd as an argument).
    // The hostile process also records whoever knocks with SIGQUIT (jcmd's attach) first, while it waits.
    await waitFor(
      "a jcmd run as the target's user, seen by the hostile watcher",
      async () =>
        existsSync(seen) &&
        /TRACER_BOX_ID=[0-9a-f]{24}/.test(readFileSync(seen, 'utf8')) &&
        /^pid \d+ cmdline: .*\/jcmd /m.test(readFileSync(seen, 'utf8')),
      60_000,
    ).catch(async (err: Error) => {
      // say what the daemon recorded of its thread dump (run or not, and why), and what the watcher saw
      const b = await api<{ forkingThread: unknown; notes: string[] }>(`/api/v1/incidents/${incident.id}/bundle`);
      const cmdlines = existsSync(seen) ? readFileSync(seen, 'utf8').match(/^pid \d+ cmdline: .{0,120}/gm) : null;
      throw new Error(
        `${err.message}\nforking thread: ${JSON.stringify(b.forkingThread)}\nwatcher saw: ${JSON.stringify(cmdlines)}`,
      );
    });

    // 3. The bundle, fetched with the token (the target facts were gathered by then): the binary was never
    //    run again; JDK facts come from files only, and there are none here.
    const bundle = await waitFor(
      'the bundle with target facts',
      async () => {
        const b = await api<{
          target: { facts: { exe: string; jdk: unknown; jdkError?: string } | null };
          child: { stack: { capture: { ok: boolean } | null } };
          core: { outcome: string | null; reason: string | null };
          notes: string[];
        }>(`/api/v1/incidents/${incident.id}/bundle`);
        return b.target.facts && b.core.outcome ? b : null;
      },
      30_000,
    );
    assert.equal(
      existsSync(executions),
      false,
      `the hostile binary was executed:\n${existsSync(executions) ? readFileSync(executions, 'utf8') : ''}`,
    );
    assert.equal(bundle.target.facts!.exe, bin);
    assert.equal(bundle.target.facts!.jdk, null);
    assert.match(bundle.target.facts!.jdkError ?? '', /nothing is run/);
    assert.equal(bundle.child.stack.capture?.ok, true, 'eu-stack captured the hung child');
    assert.equal(bundle.core.outcome, 'written', `gcore (boxed) wrote the hung child's core: ${bundle.core.reason}`);
    // it is no JVM: jcmd's attach got no answer, and the incident says so
    assert.ok(
      bundle.notes.some((n) => /^no Java stack of the forking thread: jcmd /.test(n)),
      `the bundle says why there is no Java stack: ${JSON.stringify(bundle.notes)}`,
    );

    // 4. Nothing the hostile process could read holds a secret of forkwatch's.
    const watched = readFileSync(seen, 'utf8');
    assert.ok(!watched.includes(TOKEN), 'the API token reached the hostile process');
    assert.ok(!watched.includes(WEBHOOK_PATH), 'the Slack webhook reached the hostile process');
    assert.doesNotMatch(watched, /FORKWATCH_/);
    assert.equal(uidOf(hostile.hung), NOBODY, 'the hung child is still there, untouched');
  },
);
