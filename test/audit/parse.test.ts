/** The audit's pure parsers, on synthetic fixtures (pldd, pargs -e) and literal /proc text. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePargs, parsePldd } from '../../src/audit/parse-illumos.js';
import {
  compareVersions,
  glibcVersionFromPath,
  parseGlibcVersion,
  parseMapsPaths,
  parseSystemProperties,
  pickAuditedEnv,
  propertiesFromArgs,
  propertiesFromOptionsVar,
  splitNul,
} from '../../src/audit/parse-proc.js';
import { REPO_ROOT } from '../helpers/native-build.js';

const fixture = (name: string) => readFileSync(join(REPO_ROOT, 'test/audit/fixtures', name), 'utf8');

test('pldd (synthetic): the mapped objects, once each, header skipped', () => {
  assert.deepEqual(parsePldd(fixture('pldd-synthetic.txt')), [
    '/lib/amd64/libc.so.1',
    '/usr/lib/amd64/libpkcs11.so.1',
    '/opt/java/lib/libj2pkcs11.so',
    '/opt/java/lib/server/libjvm.so',
  ]);
});

test('pargs -a -e (synthetic): the arguments; of the environment only the audited variables, never another value', () => {
  const { args, env } = parsePargs(fixture('pargs-a-e-synthetic.txt'));
  assert.deepEqual(args, ['/opt/java/bin/java', '-Djdk.lang.Process.launchMechanism=FORK', '-jar', 'jenkins.war']);
  assert.deepEqual(env, {
    LD_PRELOAD: '/usr/lib/libumem.so',
    _JAVA_OPTIONS: '-Djdk.lang.Process.launchMechanism=FORK -Xmx2g',
  });
  assert.ok(!JSON.stringify(env).includes('s3cr3t'));
});

test('maps: file paths once, anonymous and pseudo mappings skipped, (deleted) cut', () => {
  const maps = [
    '7f00-7f01 r-xp 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6',
    '7f01-7f02 r--p 00001000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6',
    '7f02-7f03 rw-p 00000000 00:00 0 ',
    '7f03-7f04 rw-p 00000000 00:00 0 [heap]',
    '7f04-7f05 r-xp 00000000 08:01 2 /tmp/libx.so (deleted)',
  ].join('\n');
  assert.deepEqual(parseMapsPaths(maps), ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/tmp/libx.so']);
});

test('environ: NUL-split, only the audited names', () => {
  const env = pickAuditedEnv(
    splitNul(Buffer.from('PATH=/bin\0LD_PRELOAD=/x.so\0JAVA_TOOL_OPTIONS=-Da=b\0TOKEN=secret\0')),
  );
  assert.deepEqual(env, { LD_PRELOAD: '/x.so', JAVA_TOOL_OPTIONS: '-Da=b' });
});

test('properties: -D options before the main class only; options variables; jcmd listing', () => {
  const args = [
    'java',
    '-Xmx1g',
    '-Djdk.lang.Process.launchMechanism=FORK',
    '-Dflag',
    '-cp',
    '/x',
    'Main',
    '-Dnot.mine=1',
  ];
  assert.deepEqual(propertiesFromArgs(args), { 'jdk.lang.Process.launchMechanism': 'FORK', flag: '' });
  assert.deepEqual(propertiesFromOptionsVar(' -Da=1  -Xss1m -Db=2 '), { a: '1', b: '2' });
  const jcmd =
    '4242:\n#Sun Dec 06 04:00:00 UTC 2026\njava.home=/usr/lib/jvm/java-17\njdk.lang.Process.launchMechanism=POSIX_SPAWN\npath.separator=\\:\n';
  assert.deepEqual(parseSystemProperties(jcmd), {
    'java.home': '/usr/lib/jvm/java-17',
    'jdk.lang.Process.launchMechanism': 'POSIX_SPAWN',
    'path.separator': ':',
  });
});

test('glibc version (banner and file name), version order', () => {
  assert.equal(
    parseGlibcVersion('x\0GNU C Library (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36.\0'),
    '2.36',
  );
  assert.equal(glibcVersionFromPath('/lib64/libc-2.17.so'), '2.17');
  assert.equal(glibcVersionFromPath('/lib/x86_64-linux-gnu/libc.so.6'), null);
  assert.equal(compareVersions('2.9', '2.24'), -1);
  assert.equal(compareVersions('2.24', '2.24.0'), 0);
  assert.equal(compareVersions('151046', '151038'), 1);
});
