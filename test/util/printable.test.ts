/** printable: what a terminal is given of hostile text (frame, thread and command names). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printable } from '../../src/util/printable.js';

test('printable: C0 controls but tab, DEL and C1 controls become ?; other text is returned as it is', () => {
  const plain = 'std::mutex::lock  (libc.so.6)\tλ → ok';
  assert.equal(printable(plain), plain);
  assert.equal(printable('\x1b]0;pwned\x07Main'), '?]0;pwned?Main');
  assert.equal(printable('a\x1b[31mred\x1b[0m\r\nz\x7f\x9b2J'), 'a?[31mred?[0m??z??2J');
  assert.equal(printable(''), '');
});
