import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStat, parseStatOrNull } from '../../../src/proc/parse/stat.js';

// A real line from this host's kernel (6.x, x86_64), `cat /proc/PID/stat` of `sleep 100`, with utime/stime set to 3/4.
const REAL_STAT =
  '8887 (sleep) S 8885 8878 5902 0 -1 4194304 127 0 0 0 3 4 0 0 20 0 1 0 194159 2990080 412 18446744073709551615 94413514092544 94413514110473 140722759143136 0 0 0 0 6 0 1 0 0 17 0 0 0 0 0 0 94413514124560 94413514125824 94414450565120 140722759146216 140722759146226 140722759146226 140722759147497 0\n';

function withComm(comm: string): string {
  return REAL_STAT.replace('(sleep)', `(${comm})`);
}

test('parseStat: table', () => {
  const rows: { name: string; input: string; ok: boolean; comm?: string; error?: RegExp }[] = [
    { name: 'valid line', input: REAL_STAT, ok: true, comm: 'sleep' },
    { name: 'comm with spaces (JVM thread name)', input: withComm('SCM polling f'), ok: true, comm: 'SCM polling f' },
    {
      name: "comm with ')' and '(' in it: first '(' to LAST ')'",
      input: withComm('a) (b) S 1'),
      ok: true,
      comm: 'a) (b) S 1',
    },
    { name: 'comm with a newline', input: withComm('x\ny'), ok: true, comm: 'x\ny' },
    { name: 'empty comm', input: withComm(''), ok: true, comm: '' },
    { name: 'empty', input: '', ok: false, error: /empty/ },
    { name: 'no parens', input: '12 sleep S 1 2 3', ok: false, error: /comm/ },
    { name: 'not enough fields (truncated)', input: REAL_STAT.slice(0, 60), ok: false, error: /not enough fields/ },
    { name: 'garbage pid', input: REAL_STAT.replace('8887', 'abc'), ok: false, error: /pid/ },
    {
      name: 'non-numeric starttime',
      input: REAL_STAT.replace(' 194159 ', ' x194159 '),
      ok: false,
      error: /non-numeric/,
    },
    { name: 'bad state', input: REAL_STAT.replace(') S ', ') ?? '), ok: false, error: /state/ },
    { name: 'enormous', input: 'x'.repeat(100_000), ok: false, error: /longer/ },
  ];
  for (const row of rows) {
    const r = parseStat(row.input);
    assert.equal(r.ok, row.ok, row.name);
    if (r.ok) assert.equal(r.value.comm, row.comm, row.name);
    else assert.match(r.error, row.error!, row.name);
  }
});

test('parseStat: fields of the real line', () => {
  const r = parseStat(REAL_STAT);
  assert.ok(r.ok);
  assert.deepEqual(r.value, {
    pid: 8887,
    comm: 'sleep',
    stateCode: 'S',
    ppid: 8885,
    utime: 3,
    stime: 4,
    numThreads: 1,
    startTicks: 194159,
  });
});

test('parseStat: non-UTF-8 comm decodes lossily but parses', () => {
  const bytes = Buffer.concat([
    Buffer.from('5 ('),
    Buffer.from([0xff, 0xfe, 0x29]),
    Buffer.from(REAL_STAT.slice(REAL_STAT.indexOf(') ') + 1)),
  ]);
  const r = parseStat(bytes.toString('utf8'));
  assert.ok(r.ok);
  assert.equal(r.value.pid, 5);
  assert.equal(r.value.startTicks, 194159);
});

// A hung deadlocker child on this kernel.
const STAT =
  '9573 (deadlocker-2ac1) S 9567 9567 1 0 -1 4194368 21 0 0 0 3 2 0 0 20 0 1 0 187654 2695168 170 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n';

test('parseStatOrNull: comm between the first "(" and the last ")"; null for what is not a stat line', () => {
  const s = parseStatOrNull(STAT)!;
  assert.deepEqual(
    [s.pid, s.comm, s.stateCode, s.ppid, s.utime + s.stime, s.startTicks],
    [9573, 'deadlocker-2ac1', 'S', 9567, 5, 187654],
  );
  const odd = parseStatOrNull(STAT.replace('(deadlocker-2ac1)', '(a) b (c))'))!;
  assert.equal(odd.comm, 'a) b (c)');
  assert.equal(odd.startTicks, 187654);
  assert.equal(parseStatOrNull('9573 (x) S 1'), null, 'not enough fields');
  assert.equal(parseStatOrNull(''), null);
});
