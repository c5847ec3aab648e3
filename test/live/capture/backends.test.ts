import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveExecutable } from '../../../src/capture/backends.js';

test('resolveExecutable: absolute path checked as is; bare names searched on PATH (absolute dirs only)', () => {
  const isExecutable = (p: string) => p === '/bin/x' || p === '/b/gdb';
  assert.equal(resolveExecutable('/bin/x', { isExecutable }), '/bin/x');
  assert.equal(resolveExecutable('/bin/y', { isExecutable }), null);
  assert.equal(resolveExecutable('gdb', { pathEnv: 'rel:/a:/b', isExecutable }), '/b/gdb');
  assert.equal(resolveExecutable('gdb', { pathEnv: '', isExecutable }), null);
  assert.ok(resolveExecutable('sh'), 'the real sh is found on the real PATH');
});
