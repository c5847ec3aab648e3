import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cmdlineText,
  mapState,
  parseBtime,
  parseChildren,
  parseCmdline,
  parseExeLink,
  parseStat,
  parseStatus,
  parseWchan,
  startTimeMs,
} from '../../src/scan/procfs-parse.js';

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
    { name: "comm with ')' and '(' in it: first '(' to LAST ')'", input: withComm('a) (b) S 1'), ok: true, comm: 'a) (b) S 1' },
    { name: 'comm with a newline', input: withComm('x\ny'), ok: true, comm: 'x\ny' },
    { name: 'empty comm', input: withComm(''), ok: true, comm: '' },
    { name: 'empty', input: '', ok: false, error: /empty/ },
    { name: 'no parens', input: '12 sleep S 1 2 3', ok: false, error: /comm/ },
    { name: 'not enough fields (truncated)', input: REAL_STAT.slice(0, 60), ok: false, error: /not enough fields/ },
    { name: 'garbage pid', input: REAL_STAT.replace('8887', 'abc'), ok: false, error: /pid/ },
    { name: 'non-numeric starttime', input: REAL_STAT.replace(' 194159 ', ' x194159 '), ok: false, error: /non-numeric/ },
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
  assert.deepEqual(r.value, { pid: 8887, comm: 'sleep', stateCode: 'S', ppid: 8885, utime: 3, stime: 4, numThreads: 1, startTicks: 194159 });
});

test('parseStat: non-UTF-8 comm decodes lossily but parses', () => {
  const bytes = Buffer.concat([Buffer.from('5 ('), Buffer.from([0xff, 0xfe, 0x29]), Buffer.from(REAL_STAT.slice(REAL_STAT.indexOf(') ') + 1))]);
  const r = parseStat(bytes.toString('utf8'));
  assert.ok(r.ok);
  assert.equal(r.value.pid, 5);
  assert.equal(r.value.startTicks, 194159);
});

test('parseStatus: table', () => {
  const rows: { name: string; input: string; want: ReturnType<typeof parseStatus> }[] = [
    {
      name: 'valid',
      input: 'Name:\tjava\nState:\tS (sleeping)\nTgid:\t5\nUid:\t1000\t1001\t1000\t1000\nThreads:\t42\n',
      want: { stateCode: 'S', threads: 42, uid: 1001 },
    },
    { name: 'zombie', input: 'State:\tZ (zombie)\nThreads:\t1\n', want: { stateCode: 'Z', threads: 1, uid: null } },
    { name: 'empty', input: '', want: { stateCode: null, threads: null, uid: null } },
    { name: 'truncated mid-line', input: 'State:\tS (sleeping)\nUid:\t10', want: { stateCode: 'S', threads: null, uid: null } },
    { name: 'garbage values', input: 'State:\t??\nThreads:\tmany\nUid:\ta b c d\n', want: { stateCode: null, threads: null, uid: null } },
  ];
  for (const row of rows) assert.deepEqual(parseStatus(row.input), row.want, row.name);
});

test('parseCmdline: keeps raw bytes, splits on NUL, non-UTF-8 intact', () => {
  const raw = Buffer.from([0x6a, 0x61, 0x76, 0x61, 0, 0xff, 0xc3, 0x28, 0, 0x2d, 0x6a, 0]);
  const c = parseCmdline(raw);
  assert.ok(c.raw.equals(raw));
  assert.notEqual(c.raw, raw, 'a copy, not the reader buffer');
  assert.deepEqual(c.args.map((a) => [...a]), [[0x6a, 0x61, 0x76, 0x61], [0xff, 0xc3, 0x28], [0x2d, 0x6a]]);
  assert.deepEqual(parseCmdline(Buffer.alloc(0)).args, []);
  assert.deepEqual(parseCmdline(Buffer.from('no-nul')).args.map(String), ['no-nul']);
  assert.equal(cmdlineText(Buffer.from('java\0-jar\0jenkins.war\0')), 'java -jar jenkins.war');
  assert.equal(cmdlineText(Buffer.from('setproctitle style')), 'setproctitle style');
});

test('parseExeLink, parseBtime, parseChildren, parseWchan', () => {
  assert.deepEqual(parseExeLink('/usr/bin/java'), { path: '/usr/bin/java', deleted: false });
  assert.deepEqual(parseExeLink('/usr/lib/jvm/bin/java (deleted)'), { path: '/usr/lib/jvm/bin/java', deleted: true });
  assert.equal(parseBtime('cpu 1 2\nbtime 1795941983\nprocesses 3\n'), 1795941983);
  assert.equal(parseBtime('cpu 1 2\n'), null);
  assert.equal(parseBtime('btime x\n'), null);
  assert.deepEqual(parseChildren('12 34 56 '), [12, 34, 56]);
  assert.deepEqual(parseChildren(''), []);
  assert.deepEqual(parseChildren('12 x -3 0 7'), [12, 7]);
  assert.equal(parseWchan('futex_do_wait'), 'futex_do_wait');
  assert.equal(parseWchan('0'), null);
  assert.equal(parseWchan(''), null);
});

test('start time: btime + starttime / CLK_TCK; states', () => {
  assert.equal(startTimeMs(194159, 1795941983, 100), 1795941983000 + 1941590);
  assert.equal(startTimeMs(250, 1000, 250), 1_001_000);
  assert.equal(mapState('Z'), 'zombie');
  assert.equal(mapState('O'), 'running');
  assert.equal(mapState('?'), 'unknown');
});
