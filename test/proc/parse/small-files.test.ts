import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cmdlineText, parseCmdline } from '../../../src/proc/parse/cmdline.js';
import { parseExeLink } from '../../../src/proc/parse/exe.js';
import { parseBtime } from '../../../src/proc/parse/proc-stat.js';
import { parseChildren } from '../../../src/proc/parse/children.js';
import { parseWchan } from '../../../src/proc/parse/wchan.js';

test('parseCmdline: keeps raw bytes, splits on NUL, non-UTF-8 intact', () => {
  const raw = Buffer.from([0x6a, 0x61, 0x76, 0x61, 0, 0xff, 0xc3, 0x28, 0, 0x2d, 0x6a, 0]);
  const c = parseCmdline(raw);
  assert.ok(c.raw.equals(raw));
  assert.notEqual(c.raw, raw, 'a copy, not the reader buffer');
  assert.deepEqual(
    c.args.map((a) => [...a]),
    [
      [0x6a, 0x61, 0x76, 0x61],
      [0xff, 0xc3, 0x28],
      [0x2d, 0x6a],
    ],
  );
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
