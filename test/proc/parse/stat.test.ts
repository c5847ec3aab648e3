import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseStat, parseStatBytes, parseStatOrNull } from '../../../src/proc/parse/stat.js';

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

/**
 * The string reading parseStat replaced (decode the line, split the fields
 * with String.prototype.split): kept here as the oracle that parsing the
 * bytes in place gives the same fields and the same errors.
 */
function statByStrings(text: string): ReturnType<typeof parseStat> {
  if (text.length === 0) return { ok: false, error: 'empty' };
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return { ok: false, error: 'no "(comm)"' };
  const num = (s: string | undefined, re: RegExp) => (s !== undefined && re.test(s) ? Number(s) : null);
  const pid = num(text.slice(0, open).trim(), /^\d{1,20}$/);
  if (pid === null) return { ok: false, error: 'bad pid' };
  const rest = text
    .slice(close + 1)
    .trim()
    .split(' ', 24);
  if (rest.length < 20) return { ok: false, error: `not enough fields: ${rest.length + 2} < 22` };
  const stateCode = rest[0] ?? '';
  if (!/^[A-Za-z]$/.test(stateCode)) return { ok: false, error: `bad state "${stateCode.slice(0, 8)}"` };
  const [ppid, numThreads] = [rest[1], rest[17]].map((s) => num(s, /^-?\d{1,20}$/));
  const [utime, stime, startTicks] = [rest[11], rest[12], rest[19]].map((s) => num(s, /^\d{1,20}$/));
  if (ppid == null || utime == null || stime == null || numThreads == null || startTicks == null)
    return { ok: false, error: 'non-numeric ppid/utime/stime/num_threads/starttime' };
  return {
    ok: true,
    value: { pid, comm: text.slice(open + 1, close), stateCode, ppid, utime, stime, numThreads, startTicks },
  };
}

function assertSameAsStrings(bytes: Buffer, what: string): void {
  const big = Buffer.alloc(bytes.length + 64, 'x)( 1'); // bytes past n must not be read
  bytes.copy(big);
  assert.deepEqual(parseStatBytes(big, bytes.length), statByStrings(bytes.toString('utf8')), what);
}

test('parseStatBytes: the same fields as the string reading, for every process on this host', () => {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(`/proc/${pid}/stat`);
    } catch {
      continue; // exited since the listing
    }
    assertSameAsStrings(bytes, `/proc/${pid}/stat`);
    n++;
  }
  assert.ok(n > 0, 'no /proc/PID/stat read');
});

test('parseStatBytes: the same fields or errors as the string reading, for mutated lines', () => {
  let seed = 14;
  const rand = (k: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % k;
  };
  const pieces = [
    ' ',
    '  ',
    '(',
    ')',
    '-',
    '-1',
    'x',
    '0',
    '99999999999999999999',
    '123456789012345678',
    '\n',
    '\t',
    'é',
    '\u00a0',
    '\u2000',
    '\u200b',
    '\u3000',
    '\ufeff',
    '\u2028',
    '\xff',
  ];
  const lines = [REAL_STAT, STAT, withComm('a) (b) S 1'), withComm('x\ny'), withComm('')];
  // Unicode spaces where trim() removes them: after ")", before the pid's "(", at the end of a 20-field line.
  const short = STAT.split(' ').slice(0, 22).join(' ');
  for (const space of [
    '\u00a0',
    '\u1680',
    '\u2000',
    '\u200a',
    '\u2029',
    '\u202f',
    '\u205f',
    '\u3000',
    '\ufeff',
    '\u200b',
  ])
    for (const text of [
      STAT.replace(') S', `)${space}S`),
      STAT.replace(' (', `${space}(`),
      `${short}${space}`,
      `${space}${STAT}`,
    ])
      assertSameAsStrings(Buffer.from(text), JSON.stringify(text));
  for (let i = 0; i < 5000; i++) {
    const base = lines[rand(lines.length)]!;
    let text = base;
    for (let m = 0, edits = 1 + rand(3); m < edits; m++) {
      const at = rand(text.length + 1);
      const cut = rand(3);
      text = text.slice(0, at) + (rand(4) === 0 ? '' : pieces[rand(pieces.length)]!) + text.slice(at + cut);
    }
    const bytes = rand(10) === 0 ? Buffer.concat([Buffer.from(text), Buffer.from([0xc3])]) : Buffer.from(text);
    assertSameAsStrings(bytes, JSON.stringify(text));
  }
});
