import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEtime, parsePsListing, parsePtree, ptreeDescendants } from '../../src/scan/ps-parse.js';
import { REPO_ROOT } from '../helpers/native-build.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/ps');
const AT = 1_800_000_000_000;

test('parseEtime: [[dd-]hh:]mm:ss', () => {
  const rows: [string, number | null][] = [
    ['00:02', 2000],
    ['05:00', 300_000],
    ['01:02:03', 3_723_000],
    ['1-02:03:04', 93_784_000],
    ['12-03:14:15', ((12 * 24 + 3) * 3600 + 14 * 60 + 15) * 1000],
    ['0:05', 5000],
    ['  00:02 ', 2000],
    ['', null],
    ['1:2:3:4', null],
    ['00:61', null],
    ['01:60:00', null],
    ['x-01:00', null],
    ['9'.repeat(10_000), null],
  ];
  for (const [input, want] of rows) assert.equal(parseEtime(input), want, JSON.stringify(input.slice(0, 20)));
});

test('parsePsListing: a real procps listing, fname with a fixed width, args with blanks', () => {
  const text = readFileSync(join(FIXTURES, 'linux-procps-deadlocker.txt'), 'utf8');
  const { processes, warnings, malformed } = parsePsListing(text, { atMs: AT });
  assert.deepEqual(warnings, []);
  assert.equal(malformed, 0);
  assert.equal(processes.length, text.trim().split('\n').length - 1);
  const sleep = processes.find((p) => p.comm === 'sleep')!;
  assert.equal(sleep.cmdline.toString(), 'sleep 100000');
  assert.equal(sleep.startTimeMs, AT - 2000);
  const zombie = processes.find((p) => p.stateCode === 'Z')!;
  assert.equal(zombie.state, 'zombie');
  assert.match(zombie.cmdline.toString(), /<defunct>$/);
  const init = processes.find((p) => p.pid === 1)!;
  assert.equal(init.comm, 'process_');
  assert.equal(init.threads, 13);
  assert.equal(init.cpuTimeMs, 6000);
});

test('parsePsListing: fname holding blanks (a Linux thread name) is cut by the header width', () => {
  const text = [
    '  PID  PPID   UID     ELAPSED     TIME S NLWP COMMAND  COMMAND',
    '  812     1  1000    01:00:00 00:01:00 S   90 java     java -jar jenkins.war',
    ' 4711   812  1000       05:00 00:00:00 S    1 SCM poll java -jar jenkins.war',
  ].join('\n');
  const { processes, warnings } = parsePsListing(text, { atMs: AT });
  assert.deepEqual(warnings, []);
  assert.equal(processes[1]!.comm, 'SCM poll');
  assert.equal(processes[1]!.cmdline.toString(), 'java -jar jenkins.war');
});

test('parsePsListing: malformed, truncated, empty and non-UTF-8 input give warnings, not throws', () => {
  const header = '  PID  PPID   UID     ELAPSED     TIME S NLWP COMMAND  COMMAND';
  const rows: { name: string; text: string; processes: number; malformed: number; warn?: RegExp }[] = [
    { name: 'empty', text: '', processes: 0, malformed: 0, warn: /empty/ },
    {
      name: 'no header',
      text: '  812     1  1000  01:00 00:00 S 1 java java\n',
      processes: 0,
      malformed: 0,
      warn: /COMMAND/,
    },
    { name: 'header only', text: header, processes: 0, malformed: 0 },
    { name: 'truncated line', text: `${header}\n  812     1  1000`, processes: 0, malformed: 1, warn: /columns/ },
    {
      name: 'bad pid',
      text: `${header}\n  x81     1  1000       05:00 00:00:00 S    1 java     java`,
      processes: 0,
      malformed: 1,
      warn: /pid/,
    },
    {
      name: 'bad etime',
      text: `${header}\n  812     1  1000       5m    00:00:00 S    1 java     java`,
      processes: 0,
      malformed: 1,
      warn: /etime/,
    },
    {
      name: 'CRLF',
      text: `${header}\r\n  812     1  1000       05:00 00:00:00 S    1 java     java -jar x\r\n`,
      processes: 1,
      malformed: 0,
    },
    { name: 'binary garbage', text: '\u0000\u00ff\ufffd'.repeat(1000), processes: 0, malformed: 0, warn: /COMMAND/ },
  ];
  for (const row of rows) {
    const r = parsePsListing(row.text, { atMs: AT });
    assert.equal(r.processes.length, row.processes, row.name);
    assert.equal(r.malformed, row.malformed, row.name);
    if (row.warn) assert.match(r.warnings.map((w) => w.message).join('\n'), row.warn, row.name);
  }
  const bytes = Buffer.concat([
    Buffer.from(`${header}\n  812     1  1000       05:00 00:00:00 S    1 java     java -Dx=`),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('\n'),
  ]);
  const r = parsePsListing(bytes.toString('utf8'), { atMs: AT });
  assert.equal(r.processes.length, 1);
});

test('parsePsListing: synthetic illumos listing, args cut at 80 bytes', () => {
  const text = readFileSync(join(FIXTURES, 'illumos-synthetic-jenkins.txt'), 'utf8');
  const { processes, warnings } = parsePsListing(text, { atMs: AT, argsMayBeTruncated: true });
  assert.deepEqual(warnings, []);
  const jvm = processes.find((p) => p.pid === 812)!;
  assert.equal(jvm.cmdlineTruncated, true);
  assert.equal(jvm.cmdline.length, 79);
  assert.equal(jvm.threads, 187);
  assert.equal(jvm.startTimeMs, AT - ((12 * 24 + 3) * 3600 + 10 * 60 + 2) * 1000);
  assert.equal(processes.find((p) => p.pid === 4713)!.state, 'running'); // illumos O: on a CPU
  assert.equal(processes.find((p) => p.pid === 7003)!.comm, 'javaw');
});

test('parsePtree: indentation gives parents; descendants of a pid', () => {
  const { entries, warnings } = parsePtree(readFileSync(join(FIXTURES, 'ptree-synthetic-812.txt'), 'utf8'));
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    entries.map((e) => [e.pid, e.ppid, e.depth]),
    [
      [1, null, 0],
      [812, 1, 1],
      [4711, 812, 2],
      [4712, 812, 2],
      [6000, 4712, 3],
      [4713, 812, 2],
      [4800, 812, 2],
      [5001, 812, 2],
      [5002, 812, 2],
      [5003, 812, 2],
    ],
  );
  assert.deepEqual(ptreeDescendants(entries, 812), [4711, 4712, 6000, 4713, 4800, 5001, 5002, 5003]);
  assert.deepEqual(ptreeDescendants(entries, 4712), [6000]);
  assert.equal(parsePtree('garbage\n\u0000\n').warnings.length, 2);
  assert.deepEqual(parsePtree('').entries, []);
});
