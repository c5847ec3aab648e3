import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapState } from '../../src/scan/state.js';

test('mapState: Linux and illumos codes; anything else is unknown', () => {
  assert.equal(mapState('Z'), 'zombie');
  assert.equal(mapState('O'), 'running');
  assert.equal(mapState('?'), 'unknown');
});
