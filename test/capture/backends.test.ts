import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCaptureArgs, detectBackends } from '../../src/capture/backends.js';
import { resolveConfig } from '../../src/config/load.js';

test('buildCaptureArgs: one argument array per tool, the pid as its own argument', () => {
  assert.deepEqual(buildCaptureArgs('eu-stack', 42), ['-m', '-p', '42']);
  assert.deepEqual(buildCaptureArgs('gdb', 42), [
    '-batch',
    '-nx',
    '-ex',
    'set pagination off',
    '-ex',
    'thread apply all bt',
    '-p',
    '42',
  ]);
  assert.deepEqual(buildCaptureArgs('pstack', 42), ['42']);
  assert.deepEqual(buildCaptureArgs('gstack', 42), ['42']);
});

test('detectBackends: installed tools only, in the configured order, configured paths', () => {
  const installed = new Set(['/usr/bin/gdb', '/usr/bin/eu-stack', '/opt/sun/bin/pstack']);
  const deps = { pathEnv: '/usr/local/bin:/usr/bin', isExecutable: (p: string) => installed.has(p) };
  const byDefault = detectBackends(resolveConfig({}), deps);
  assert.deepEqual(
    byDefault.map((b) => [b.name, b.path, b.format]),
    [
      ['eu-stack', '/usr/bin/eu-stack', 'eu-stack'],
      ['gdb', '/usr/bin/gdb', 'gdb'],
    ],
  );
  const cfg = resolveConfig({
    capture: { order: ['gdb', 'pstack', 'eu-stack'] },
    tools: { pstack: '/opt/sun/bin/pstack' },
  });
  assert.deepEqual(
    detectBackends(cfg, deps).map((b) => b.name),
    ['gdb', 'pstack', 'eu-stack'],
  );
  assert.deepEqual(detectBackends(resolveConfig({}), { ...deps, isExecutable: () => false }), []);
});
