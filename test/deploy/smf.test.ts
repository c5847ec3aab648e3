/**
 * deploy/smf: the manifest is well-formed (xmllint) and has the structure
 * svccfg expects (checked with xmllint --xpath: illumos's DTD is not on
 * Linux); the method script parses (sh -n) and follows the SMF exit-code
 * contract when run with stand-ins for smf_include.sh and svcprop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '../helpers/native-build.js';
import { REPO_ROOT, describeResult, readRepoFile, runTool } from './support.js';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../src/daemon/node-flags.js';

const MANIFEST = 'deploy/smf/forkwatch.xml';
const METHOD = 'deploy/smf/forkwatch-method.sh';
/** Exit codes of illumos's /lib/svc/share/smf_include.sh. */
const SMF_EXIT = { OK: 0, ERR_FATAL: 95, ERR_CONFIG: 96, ERR_NOSMF: 99 };

function xpath(expr: string, file = MANIFEST): string {
  const r = runTool('xmllint', ['--nonet', '--xpath', expr, file]);
  assert.equal(r.status, 0, `${expr}\n${describeResult(r)}`);
  return r.stdout.trim();
}

test('xmllint: the manifest is well-formed, and a broken copy is not', () => {
  requireTool('xmllint', ['--version']);
  const r = runTool('xmllint', ['--noout', '--nonet', MANIFEST]);
  assert.equal(r.status, 0, describeResult(r));
  assert.equal(r.stderr, '');
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-smf-'));
  try {
    writeFileSync(join(dir, 'bad.xml'), readRepoFile(MANIFEST).replace('</service>', ''));
    const bad = runTool('xmllint', ['--noout', '--nonet', join(dir, 'bad.xml')]);
    assert.notEqual(bad.status, 0, describeResult(bad));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the manifest is a service bundle with network and filesystem dependencies', () => {
  requireTool('xmllint', ['--version']);
  assert.match(readRepoFile(MANIFEST), /<!DOCTYPE service_bundle SYSTEM "\/usr\/share\/lib\/xml\/dtd\/service_bundle\.dtd\.1">/);
  assert.equal(xpath('string(/service_bundle/@type)'), 'manifest');
  assert.equal(xpath('string(/service_bundle/service/@name)'), 'application/forkwatch');
  assert.equal(xpath('string(/service_bundle/service/@type)'), 'service');
  assert.match(xpath('string(/service_bundle/service/@version)'), /^[0-9]+$/);
  assert.equal(xpath('string(//create_default_instance/@enabled)'), 'false');
  const deps = (name: string): string => `/service_bundle/service/dependency[service_fmri/@value="${name}"]`;
  for (const fmri of ['svc:/milestone/network:default', 'svc:/system/filesystem/local:default']) {
    assert.equal(xpath(`count(${deps(fmri)})`), '1', fmri);
    assert.equal(xpath(`string(${deps(fmri)}/@grouping)`), 'require_all', fmri);
    assert.equal(xpath(`string(${deps(fmri)}/@type)`), 'service', fmri);
  }
});

test('the method context runs as the forkwatch user with basic,proc_owner, never root', () => {
  requireTool('xmllint', ['--version']);
  const cred = '/service_bundle/service/method_context/method_credential';
  assert.equal(xpath(`string(${cred}/@user)`), 'forkwatch');
  assert.equal(xpath(`string(${cred}/@privileges)`), 'basic,proc_owner');
  assert.equal(xpath('count(//method_credential[@user="root" or @user="0"])'), '0');
  assert.equal(xpath('count(//method_profile)'), '0', 'no RBAC profile widening the privileges');
});

test('start execs the method script; stop is :kill; startd duration is child; config/file is a property', () => {
  requireTool('xmllint', ['--version']);
  assert.equal(xpath('string(//exec_method[@name="start"]/@exec)'), '/lib/svc/method/forkwatch %m');
  assert.equal(xpath('string(//exec_method[@name="stop"]/@exec)'), ':kill');
  // refresh reloads (SIGHUP, docs/daemon.md#reload); the default :kill would be SIGTERM, a stop.
  assert.equal(xpath('string(//exec_method[@name="refresh"]/@exec)'), ':kill -HUP');
  for (const m of ['start', 'stop']) assert.match(xpath(`string(//exec_method[@name="${m}"]/@timeout_seconds)`), /^[1-9][0-9]*$/);
  assert.equal(xpath('string(//property_group[@name="startd"][@type="framework"]/propval[@name="duration"]/@value)'), 'child');
  const config = '//property_group[@name="config"][@type="application"]';
  assert.equal(xpath(`string(${config}/propval[@name="file"]/@value)`), '/etc/opt/forkwatch/forkwatch.yml');
  for (const p of ['file', 'node', 'install_dir', 'state_dir']) {
    assert.equal(xpath(`string(${config}/propval[@name="${p}"]/@type)`), 'astring', p);
    assert.match(readRepoFile(METHOD), new RegExp(`getprop ${p}\\b`), `the method reads config/${p}`);
  }
});

test("the service's children come in the order service_bundle.dtd.1 requires", () => {
  requireTool('xmllint', ['--version']);
  const order = ['create_default_instance', 'single_instance', 'restarter', 'dependency', 'dependent', 'method_context', 'exec_method', 'property_group', 'instance', 'stability', 'template'];
  const count = Number(xpath('count(/service_bundle/service/*)'));
  const names = Array.from({ length: count }, (_, i) => xpath(`name(/service_bundle/service/*[${i + 1}])`));
  const ranks = names.map((n) => order.indexOf(n));
  assert.ok(!ranks.includes(-1), `unknown element among ${names.join(', ')}`);
  assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), names.join(', '));
  assert.equal(xpath('name(/service_bundle/service/template/*[1])'), 'common_name');
});

/** A sandbox standing in for illumos: smf_include.sh, svcprop, an install dir whose cli.js runs the real CLI. */
function makeSandbox(props: Record<string, string>): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-smf-method-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'opt/dist/cli'), { recursive: true });
  writeFileSync(
    join(dir, 'smf_include.sh'),
    Object.entries(SMF_EXIT).map(([k, v]) => `SMF_EXIT_${k}=${v}`).join('\n') + '\n',
  );
  writeFileSync(join(dir, 'bin/svcprop'), '#!/bin/sh\n# svcprop -p config/NAME FMRI\nname=$(echo "$2" | sed "s,^config/,,")\neval "printf \'%s\\n\' \\"\\$SVCPROP_$name\\""\n');
  chmodSync(join(dir, 'bin/svcprop'), 0o755);
  // `run` reports what it was given; anything else is the real CLI (check-config).
  writeFileSync(
    join(dir, 'opt/dist/cli/index.js'),
    `import { spawnSync } from 'node:child_process';
const args = process.argv.slice(2);
if (args[0] === 'run') { console.log(JSON.stringify({ args, execArgv: process.execArgv, stateDir: process.env.FORKWATCH_STATE_DIR, tunables: process.env.GLIBC_TUNABLES })); process.exit(0); }
const r = spawnSync(process.execPath, ['--import', 'tsx', ${JSON.stringify(join(REPO_ROOT, 'src/cli/index.ts'))}, ...args], { stdio: 'inherit', cwd: ${JSON.stringify(REPO_ROOT)} });
process.exit(r.status ?? 1);
`,
  );
  writeFileSync(join(dir, 'opt/package.json'), '{"type":"module"}\n');
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: dir,
    SMF_INCLUDE: join(dir, 'smf_include.sh'),
    SMF_FMRI: 'svc:/application/forkwatch:default',
    SVCPROP_node: process.execPath,
    SVCPROP_install_dir: join(dir, 'opt'),
    SVCPROP_state_dir: '/var/opt/forkwatch',
  };
  for (const [k, v] of Object.entries(props)) env[`SVCPROP_${k}`] = v;
  return { dir, env };
}

function runMethod(env: NodeJS.ProcessEnv, method = 'start'): ReturnType<typeof runTool> {
  return runTool('sh', [join(REPO_ROOT, METHOD), method], { env });
}

test('sh -n accepts the method script', () => {
  const r = runTool('sh', ['-n', METHOD]);
  assert.equal(r.status, 0, describeResult(r));
  assert.match(readRepoFile(METHOD), /\. "\$\{SMF_INCLUDE:-\/lib\/svc\/share\/smf_include\.sh\}"/);
});

test('method: a valid config execs node with the daemon flags, `run --config FILE` and the state directory property', () => {
  const { dir, env } = makeSandbox({ file: join(REPO_ROOT, 'deploy/examples/forkwatch.yml') });
  try {
    const r = runMethod(env);
    assert.equal(r.status, SMF_EXIT.OK, describeResult(r));
    const ran = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { args: string[]; execArgv: string[]; stateDir: string; tunables?: string };
    assert.deepEqual(ran.args, ['run', '--config', join(REPO_ROOT, 'deploy/examples/forkwatch.yml')]);
    assert.deepEqual(ran.execArgv, DAEMON_NODE_FLAGS, 'node runs the daemon with src/daemon/node-flags.ts');
    assert.equal(ran.stateDir, '/var/opt/forkwatch');
    assert.equal(ran.tunables, DAEMON_ENV.GLIBC_TUNABLES, 'and with malloc\'s tunables (DAEMON_ENV)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('method: an invalid or missing config exits SMF_EXIT_ERR_CONFIG (maintenance, not a restart loop)', () => {
  const { dir, env } = makeSandbox({});
  try {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'interval: soon\n');
    const invalid = runMethod({ ...env, SVCPROP_file: bad });
    assert.equal(invalid.status, SMF_EXIT.ERR_CONFIG, describeResult(invalid));
    assert.match(invalid.stderr, /interval/);
    const missing = runMethod({ ...env, SVCPROP_file: join(dir, 'nope.yml') });
    assert.equal(missing.status, SMF_EXIT.ERR_CONFIG, describeResult(missing));
    const noNode = runMethod({ ...env, SVCPROP_file: bad, SVCPROP_node: join(dir, 'no-node') });
    assert.equal(noNode.status, SMF_EXIT.ERR_CONFIG, describeResult(noNode));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('method: outside SMF it exits SMF_EXIT_ERR_NOSMF; an unknown method is SMF_EXIT_ERR_FATAL', () => {
  const { dir, env } = makeSandbox({ file: join(REPO_ROOT, 'deploy/examples/forkwatch.yml') });
  try {
    const noSmf = runMethod({ ...env, SMF_FMRI: '' });
    assert.equal(noSmf.status, SMF_EXIT.ERR_NOSMF, describeResult(noSmf));
    const unknown = runMethod(env, 'frobnicate');
    assert.equal(unknown.status, SMF_EXIT.ERR_FATAL, describeResult(unknown));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the template documents the service with the installed docs and the daemon\'s own /docs page, no repository URL', () => {
  requireTool('xmllint', ['--version']);
  const installDir = xpath('string(//property_group[@name="config"]/propval[@name="install_dir"]/@value)');
  assert.equal(xpath('count(//template/documentation/doc_link)'), '2');
  assert.equal(xpath('string(//template/documentation/doc_link[1]/@uri)'), `file://${installDir}/docs/operations.md`);
  assert.equal(xpath('string(//template/documentation/doc_link[2]/@uri)'), 'http://localhost:9710/docs/operations#smf');
});
