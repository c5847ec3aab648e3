/** forkwatch classify: exit statuses, text and JSON output, user signature files, stdin. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../helpers/native-build.js';
import { runClassify } from '../../src/cli/classify.js';
import { BUSY, SEM_WAIT, COND_WAIT, gdbText } from '../match/dumps.js';
import { CLI_ARGS } from '../helpers/cli-command.js';

const STACKS = join(REPO_ROOT, 'test/fixtures/stacks');

async function classify(
  argv: string[],
  files: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runClassify(argv, {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    read: async (p) => (p in files ? files[p]! : readFileSync(p, 'utf8')),
    env: {},
  });
  return { code, out, err };
}

test('classify: the seed mdb dump → exit 2, names #1667 and the truncated line', async () => {
  const r = await classify([join(STACKS, 'mdb/illumos-seed-1667.txt')]);
  assert.equal(r.code, 2);
  assert.match(r.out, /MATCH illumos-pkcs11-cryptoutil-1667 \(critical/);
  assert.match(r.out, /warning: line 19: truncated frame/);
  assert.match(r.out, /verdict: DEADLOCK \(illumos-pkcs11-cryptoutil-1667\)/);
});

test('classify --json: a real stripped gdb capture → glibc atfork, machine-readable', async () => {
  const r = await classify(['--json', join(STACKS, 'gdb/linux-hung-stripped-nodebuginfo.txt')]);
  assert.equal(r.code, 2);
  const j = JSON.parse(r.out);
  assert.equal(j.stack.format, 'gdb');
  assert.equal(j.stack.raw, undefined);
  assert.equal(j.match.matches[0].signatureId, 'glibc-atfork-child-lock');
  assert.match(j.match.fingerprint, /^[0-9a-f]{16}$/);
  assert.ok(Array.isArray(j.references['glibc-atfork-child-lock']));
});

test('classify: a decoy → exit 0; a wrong --format falls back to the detected one, with a warning', async () => {
  const r = await classify([join(STACKS, 'eu-stack/linux-sleeper.txt')]);
  assert.equal(r.code, 0);
  assert.match(r.out, /no deadlock signature matched/);
  const forced = await classify(['--format', 'mdb', join(STACKS, 'pstack/illumos-seed-1667.txt')]);
  assert.match(forced.out, /format: pstack .*threads: 1/);
  assert.match(forced.out, /warning: no mdb frames: the text is pstack output/);
});

test('classify --forked-child: two threads each waiting for a lock are a deadlock only when the dump is of a forked child; a cond wait never', async () => {
  const sem = gdbText([
    { frames: [...SEM_WAIT, 'wait_token(t=0x5600)', 'worker(arg=0x0)'] },
    { frames: [...SEM_WAIT, 'wait_token(t=0x5610)', 'worker(arg=0x0)'] },
  ]);
  const plain = await classify(['-'], { '-': sem });
  assert.equal(plain.code, 0, plain.out);
  assert.match(plain.out, /verdict: no deadlock signature/);
  const forked = await classify(['--forked-child', '-'], { '-': sem });
  assert.equal(forked.code, 2, forked.out);
  assert.match(forked.out, /MATCH lock-wait-forked-child \(critical, generic/);
  const json = JSON.parse((await classify(['--forked-child', '--json', '-'], { '-': sem })).out);
  assert.equal(json.match.matches[0].signatureId, 'lock-wait-forked-child');
  assert.equal(json.match.fingerprintVersion, 2);
  const cond = gdbText([{ frames: [...COND_WAIT, 'queue_pop(q=0x5600)', 'main()'] }]);
  assert.equal((await classify(['--forked-child', '-'], { '-': cond })).code, 0);
  assert.match((await classify(['--help'])).out, /--forked-child/);
});

test('classify: unreadable input → exit 3; bad usage → 64', async () => {
  const r = await classify(['/nonexistent/dump.txt']);
  assert.equal(r.code, 3);
  assert.match(r.err, /cannot read \/nonexistent\/dump\.txt/);
  assert.equal((await classify(['--format', 'windbg', 'x'])).code, 64);
  assert.equal((await classify(['a', 'b'])).code, 64);
});

test('classify: garbage input is readable: exit 0 with warnings, no throw', async () => {
  const r = await classify(['-'], { '-': '\u0000\u0001binary\u0002'.repeat(100) });
  assert.equal(r.code, 0);
  assert.match(r.out, /format: unknown/);
  assert.match(r.out, /warning: /);
});

test('classify --signatures: a user file adds a signature; a bad one exits 78 naming path, entry and field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-classify-'));
  try {
    const good = join(dir, 'mine.yaml');
    writeFileSync(
      good,
      'version: "7"\nsignatures:\n  - id: sleeper-test\n    title: sleeps\n    description: d\n    severity: critical\n    rules: [{frames: [{fn: "clock_nanosleep"}]}]\n',
    );
    const r = await classify(['--signatures', good, '--no-shipped', join(STACKS, 'eu-stack/linux-sleeper.txt')]);
    assert.equal(r.code, 2);
    assert.match(r.out, /MATCH sleeper-test \(critical, v7\)/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'version: "1"\nsignatures:\n  - id: b\n    title: t\n    description: d\n    severity: critical\n    rules: [{frames: [{fn: "("}]}]\n',
    );
    const e = await classify(['--signatures', bad, join(STACKS, 'eu-stack/linux-sleeper.txt')]);
    assert.equal(e.code, 78);
    assert.ok(e.err.includes(`${bad}: entry 0 (id "b"): rules[0].frames[0].fn: invalid regex`), e.err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('forkwatch classify through the real CLI and stdin: exit 2 for the seed pstack dump', () => {
  const r = spawnSync(process.execPath, [...CLI_ARGS, 'classify', '-'], {
    input: readFileSync(join(STACKS, 'pstack/illumos-seed-1667.txt')),
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, FORKWATCH_CONFIG: '' },
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stdout, /illumos-pkcs11-cryptoutil-1667/);
});

test("classify: a JVM's thread dump (jstack) → exit 0, the forkAndExec note on its polling thread, no deadlock", async () => {
  const r = await classify([join(STACKS, 'jstack/jvm-parent.txt')]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^format: jstack /m);
  assert.match(r.out, /thread \d+ tid \d+ "SCM polling for demo-job"/);
  assert.match(r.out, /^NOTE jdk-parent-waits-in-forkandexec \(info/m);
  assert.doesNotMatch(r.out, /^MATCH /m);
  assert.match(r.out, /verdict: no deadlock signature \(note: jdk-parent-waits-in-forkandexec\)/);
});

test('classify: a paste that labels its parent and its child (double-spaced py-spy) → exit 2, the child judged as a forked child', async () => {
  const r = await classify([join(STACKS, 'public/cpython-120998-py-spy-child-in-fork-exec.txt')]);
  assert.equal(r.code, 2);
  assert.match(r.out, /processes: 2 \(each judged alone\)/);
  assert.match(r.out, /^thread 0 \(process 0\) tid 44167 "Thread-get-lldp-ip"$/m);
  assert.match(
    r.out,
    /^thread 1 \(process 1\) tid 89047 "Thread-get-lldp-ip" \[labelled child: judged as a forked child\]$/m,
  );
  assert.match(r.out, /^MATCH python-child-stuck-before-exec \(critical/m);
  assert.match(r.out, /rule: .*; thread 1;/);
});

test('classify: escape sequences in a pasted frame or thread name never reach the terminal', async () => {
  const r = await classify(['paste.txt'], {
    'paste.txt': [
      'Thread 1 (Thread 0x7f (LWP 4242) "\x1b]0;pwned\x07x"):',
      '#0  0x00007f in __lll_lock_wait () from /lib64/libc.so.6',
      '#1  0x0000000000401234 in \x1b[31mevil\x1b[0m () at x.c:10',
    ].join('\n'),
  });
  assert.equal(r.code, 2);
  assert.doesNotMatch(r.out, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/); // eslint-disable-line no-control-regex
  assert.match(r.out, /\?\[31mevil\?\[0m/);
});

test('classify: when nothing is named a deadlock, it says what each thread waits on and why that is no verdict', async () => {
  const sem = gdbText([
    { frames: [...SEM_WAIT, 'wait_token(t=0x5600)', 'worker(arg=0x0)'] },
    { frames: [...SEM_WAIT, 'wait_token(t=0x5610)', 'worker(arg=0x0)'] },
  ]);
  const plain = await classify(['-'], { '-': sem });
  assert.equal(plain.code, 0, plain.out);
  assert.match(plain.out, /what the threads wait on/);
  assert.match(plain.out, /lock wait: thread 0 at #3 do_futex_wait, thread 1 at #3 do_futex_wait/);
  assert.match(plain.out, /say so with --forked-child/);
  // with the flag, a lock wait beside a thread that runs stays unnamed: that thread may release it
  const besideRunner = gdbText([
    { frames: [...SEM_WAIT, 'wait_token(t=0x5600)', 'worker(arg=0x0)'] },
    { frames: [...BUSY, 'main()'] },
  ]);
  const forked = await classify(['--forked-child', '-'], { '-': besideRunner });
  assert.equal(forked.code, 0, forked.out);
  assert.match(forked.out, /running, or code the vocabulary does not know: thread 1 at #0 spin_until_flag/);
  assert.match(forked.out, /here a thread is not waiting for another, so it may/);
  assert.match(
    (await classify(['-'], { '-': besideRunner })).out,
    /here a thread is not waiting for another, so it may/,
  );
  const cond = gdbText([{ frames: [...COND_WAIT, 'queue_pop(q=0x5600)', 'main()'] }]);
  for (const argv of [['-'], ['--forked-child', '-']]) {
    const r = await classify(argv, { '-': cond });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /untimed condition, join or barrier wait: thread 0 at #3 pthread_cond_wait_common/);
    assert.match(r.out, /the stack alone is no verdict/);
  }
  const json = JSON.parse((await classify(['--json', '-'], { '-': cond })).out);
  assert.deepEqual(json.waits, [{ thread: 0, kind: 'untimed', frame: 3, name: 'pthread_cond_wait_common' }]);
  // the real decoy: one sleeping thread
  const sleeper = await classify([join(STACKS, 'eu-stack/linux-sleeper.txt')]);
  assert.match(sleeper.out, /sleep: thread 0 at #0 clock_nanosleep/);
  // a named deadlock carries no such reading
  const hung = await classify(['--json', join(STACKS, 'gdb/linux-hung-stripped-nodebuginfo.txt')]);
  assert.equal(hung.code, 2);
  assert.equal(JSON.parse(hung.out).waits, undefined);
  assert.doesNotMatch((await classify([join(STACKS, 'mdb/illumos-seed-1667.txt')])).out, /what the threads wait on/);
});
