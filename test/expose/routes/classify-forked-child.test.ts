/**
 * POST /api/v1/classify with {"stack": …, "forkedChild": true}: the real
 * signature library decides, as `classify --forked-child` does. Without the
 * field only the stack decides (text/plain is refused: a cross-site simple request);
 * a process the paste labels a child is judged as a forked child.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDaemon } from '../../../src/daemon/index.js';
import { loadMatcher } from '../../../src/stages/build.js';
import { createMetrics } from '../../../src/extension/metrics.js';
import { silentLogger } from '../../../src/util/logger.js';
import { child, fakeEvidence, fakeScanner, report, tempStore, testConfig } from '../fakes.js';
import { COND_WAIT, MUTEX_WAIT, READ, SEM_WAIT, gdbText } from '../../match/dumps.js';

test('POST /api/v1/classify: forkedChild in the JSON body turns a lock wait nobody can release into a deadlock; a cond wait stays none', async (t) => {
  const s = tempStore([]);
  const config = testConfig({});
  const daemon = createDaemon({
    config,
    logger: silentLogger(),
    store: s.store,
    stages: {
      scanner: fakeScanner(report([child(201)])),
      evidence: fakeEvidence(new Map()),
      matcher: loadMatcher(config, silentLogger()),
    },
    metrics: createMetrics(),
    extensions: [],
    postRateLimit: { max: 1000, timeWindow: 60_000 },
  });
  const app = await daemon.buildApp();
  await app.ready();
  t.after(async () => {
    await daemon.stop();
    s.cleanup();
  });
  const sem = gdbText([
    { frames: [...SEM_WAIT, 'wait_token(t=0x5600)', 'worker(arg=0x0)'] },
    { frames: [...SEM_WAIT, 'wait_token(t=0x5610)', 'worker(arg=0x0)'] },
  ]);
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/v1/classify', payload: payload as string, headers });
  const plain = await post({ stack: sem });
  assert.equal(plain.statusCode, 200, plain.body);
  assert.equal(plain.json().match.deadlock, false);
  // nothing named: what each thread waits on, as classify prints it
  assert.deepEqual(plain.json().waits, [
    { thread: 0, kind: 'lock', frame: 3, name: 'do_futex_wait' },
    { thread: 1, kind: 'lock', frame: 3, name: 'do_futex_wait' },
  ]);
  const forked = await post({ stack: sem, forkedChild: true });
  assert.equal(forked.statusCode, 200, forked.body);
  assert.equal(forked.json().match.deadlock, true);
  assert.equal(forked.json().waits, undefined, 'a named deadlock carries no waits');
  assert.equal((forked.json().match.matches[0] as { signatureId: string }).signatureId, 'lock-wait-forked-child');
  assert.equal((await post({ stack: sem, forkedChild: false })).json().match.deadlock, false);
  assert.equal((await post(sem, { 'content-type': 'text/plain' })).statusCode, 415, 'text/plain is refused');
  const cond = gdbText([{ frames: [...COND_WAIT, 'queue_pop(q=0x5600)', 'main()'] }]);
  const condForked = (await post({ stack: cond, forkedChild: true })).json();
  assert.equal(condForked.match.deadlock, false);
  assert.deepEqual(
    condForked.waits.map((w: { kind: string }) => w.kind),
    ['untimed'],
  );
  assert.equal((await post({ stack: sem, forkedChild: 'yes' })).statusCode, 400, 'forkedChild must be a boolean');
  // a paste of the parent and the child: each process is judged alone, the threads say which is which
  const mutex = gdbText([{ frames: [...MUTEX_WAIT, 'log_line(l=0x5610)', 'build_env(n=12)', 'main()'] }]);
  const both = await post({
    stack: `parent process:\n${gdbText([{ frames: [...READ, 'main()'] }])}\nchild process:\n${mutex}`,
  });
  assert.equal(both.statusCode, 200, both.body);
  // the reporter's `child process:` label: that process is judged as a forked child, and its threads say so
  assert.deepEqual(
    (both.json().threads as { process?: number; labelledChild?: boolean }[]).map((t) => [t.process, t.labelledChild]),
    [
      [0, undefined],
      [1, true],
    ],
  );
  assert.deepEqual(
    (both.json().match.matches as { signatureId: string; threadIndex: number }[]).map((m) => [
      m.signatureId,
      m.threadIndex,
    ]),
    [['lock-wait-forked-child', 1]],
  );
});
