import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAge } from '../../src/util/format-age.js';

test("formatAge: seconds, minutes, hours, days; the day threshold is the caller's", () => {
  const rows: [number, string][] = [
    [-5, '0s'],
    [0, '0s'],
    [59_999, '59s'],
    [61_000, '1m 1s'],
    [3 * 3_600_000 + 60_000, '3h 1m'],
    [30 * 3_600_000, '1d 6h'],
    [72 * 3_600_000, '3d 0h'],
  ];
  for (const [ms, text] of rows) assert.equal(formatAge(ms), text, String(ms));
  assert.equal(formatAge(30 * 3_600_000 + 300_000, { daysFromHours: 48 }), '30h 5m');
  assert.equal(formatAge(48 * 3_600_000, { daysFromHours: 48 }), '2d 0h');
});
