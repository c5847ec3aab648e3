/**
 * The container image, built and run for real with podman: built from the
 * Dockerfile on a base made here (scripts/container-base.sh: no registry is
 * reachable), then run the way deploy/kubernetes/daemonset.yaml runs it (its
 * user, capabilities, mounts, port and probes are read from that file, not
 * copied here) beside the suite's deadlocked C program on the host. Through
 * the container's API the hung child must be confirmed with its signature;
 * the HEALTHCHECK must pass; the image must hold no dev dependency, no secret
 * and no build tool. A missing podman or mmdebstrap fails the test.
 *
 * podman runs with runc and no default ulimits (crun fails here on setrlimit
 * and hybrid cgroups): a containers.conf made here, through CONTAINERS_CONF.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { startDeadlocker, type Deadlocker } from '../helpers/deadlocker.js';
import { requireTool } from '../helpers/native-build.js';
import { freePort } from '../helpers/alertmanager.js';
import { waitFor } from '../helpers/wait.js';
import { REPO_ROOT, describeResult, readRepoFile, runTool, type ToolResult } from './support.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes objects are walked as plain data */
const SIGNATURE = 'glibc-atfork-child-lock';
const NAME = `forkwatch-ci-${process.pid}`;
const IMAGE = `localhost/forkwatch:ci-${process.pid}`;
const WAIT_MS = 90_000;

const work = mkdtempSync(join(tmpdir(), 'forkwatch-container-'));
const conf = join(work, 'containers.conf');
writeFileSync(conf, '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n');
const env = { ...process.env, CONTAINERS_CONF: conf };

function podman(args: string[], timeoutMs = 60_000): ToolResult {
  return runTool('podman', args, { env, timeoutMs });
}
function podmanOk(args: string[], timeoutMs?: number): string {
  const r = podman(args, timeoutMs);
  assert.equal(r.status, 0, `podman ${args.join(' ')}\n${describeResult(r)}`);
  return r.stdout;
}

function manifests(): Map<string, any> {
  const out = new Map<string, any>();
  for (const file of ['daemonset.yaml', 'configmap.yaml']) {
    for (const doc of parseAllDocuments(readRepoFile(`deploy/kubernetes/${file}`))) {
      const obj = doc.toJS() as any;
      out.set(obj.kind, obj);
    }
  }
  return out;
}
const k8s = manifests();
const pod = k8s.get('DaemonSet').spec.template.spec;
const container = pod.containers[0];
const sc = container.securityContext;

/** The build's TLS trust: the registry may be reached through an inspecting proxy. Never stored in a layer. */
function buildCa(): string {
  const fromEnv = process.env.NODE_EXTRA_CA_CERTS;
  return fromEnv && existsSync(fromEnv) ? fromEnv : '/etc/ssl/certs/ca-certificates.crt';
}

let built = false;
before(() => {
  requireTool('podman', ['--version']);
  requireTool('mmdebstrap', ['--version']);
  const t0 = Date.now();
  const base = runTool('bash', ['scripts/container-base.sh'], { env, timeoutMs: 20 * 60_000 });
  assert.equal(base.status, 0, `scripts/container-base.sh\n${describeResult(base)}`);
  const baseRef = base.stdout.trim();
  assert.match(baseRef, /^localhost\/forkwatch-base:[0-9a-f]{16}$/);
  const t1 = Date.now();
  // --format docker: OCI images have no HEALTHCHECK. --network host: npm and apt reach their registries.
  podmanOk(
    ['build', '--format', 'docker', '--network', 'host', '--build-arg', `BASE_IMAGE=${baseRef}`,
      '--secret', `id=build-ca,src=${buildCa()}`, '-t', IMAGE, REPO_ROOT],
    30 * 60_000,
  );
  built = true;
  const size = Number(podmanOk(['image', 'inspect', '--format', '{{.Size}}', IMAGE]).trim());
  process.stdout.write(`# container: base ${baseRef} in ${((t1 - t0) / 1000).toFixed(0)} s, image built in ${((Date.now() - t1) / 1000).toFixed(0)} s, ${(size / 1e6).toFixed(1)} MB\n`);
});

after(() => {
  podman(['rm', '--force', '--time', '0', NAME]);
  if (built) podman(['rmi', '--force', IMAGE]);
  rmSync(work, { recursive: true, force: true });
});

/** Runs a shell inside the image, no network, as root: for looking only. */
function inImage(script: string): string {
  return podmanOk(['run', '--rm', '--network', 'none', '--user', '0:0', '--entrypoint', 'sh', IMAGE, '-c', script]);
}

test('the image is under 250 MB and holds no build tool, no dev dependency and no secret', () => {
  const size = Number(podmanOk(['image', 'inspect', '--format', '{{.Size}}', IMAGE]).trim());
  assert.ok(size > 50e6 && size < 250e6, `image size ${size} bytes`);
  const tools = inImage('for t in gcc g++ cc c++ make python3 python node-gyp; do command -v "$t" || true; done');
  assert.equal(tools.trim(), '', `build tools in the image: ${tools}`);
  const modules = new Set(inImage('cd /opt/forkwatch/node_modules && ls -1 . && ls -1 @* | sed -n "s/^@.*//;p"; ls -1d @*/* 2>/dev/null || true').split('\n').map((l) => l.trim()).filter(Boolean));
  const pkg = JSON.parse(readRepoFile('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies)) assert.ok(modules.has(dep), `production dependency ${dep} is in the image`);
  // Dev-only as the lock says (a devDependency that a production dependency also needs, e.g. semver, belongs in the image).
  const lock = JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
  const devOnly = Object.entries(lock.packages)
    .filter(([path, e]) => e.dev === true && /^node_modules\/(?:@[^/]+\/)?[^/]+$/.test(path))
    .map(([path]) => path.slice('node_modules/'.length));
  for (const dev of ['esbuild', '@typescript-eslint/parser', 'eslint', 'typescript', 'tsx']) assert.ok(devOnly.includes(dev), `${dev} is dev-only in package-lock.json`);
  assert.ok(Object.keys(pkg.devDependencies).filter((d) => devOnly.includes(d)).length >= Object.keys(pkg.devDependencies).length - 2, 'nearly every devDependency is dev-only');
  for (const dev of devOnly) assert.ok(!modules.has(dev), `dev dependency ${dev} is in the image`);
  assert.match(inImage('ls /opt/forkwatch/node_modules/better-sqlite3/build/Release/'), /better_sqlite3\.node/, 'better-sqlite3 built in the image');
  const secrets = inImage(
    "find / -xdev \\( -name .git -o -name .env -o -name '.env.*' -o -name .npmrc -o -name token -o -name '*webhook*' " +
      "-o -name '*.pem' -o -name '*.key' -o -name id_rsa -o -name build-ca \\) -print; ls -A /run/secrets 2>/dev/null || true",
  );
  assert.equal(secrets.trim(), '', `secret-looking files in the image:\n${secrets}`);
  assert.deepEqual(inImage('ls -A /root').split('\n').filter(Boolean), ['.bashrc', '.profile'], "root's home: Debian's skeleton only");
  const envs = podmanOk(['image', 'inspect', '--format', '{{json .Config.Env}}', IMAGE]);
  assert.doesNotMatch(envs, /NODE_EXTRA_CA_CERTS|TOKEN|WEBHOOK|SECRET/i, 'no build secret in the image environment');
  assert.match(inImage('ls /opt/forkwatch'), /^dist\ndocs\nnode_modules\npackage\.json\nsignatures\n$/, 'only what the runtime needs (docs: the runbooks the daemon serves at /docs)');
});

/** podman run arguments for the DaemonSet's container, read from daemonset.yaml; host paths from `hostPaths`. */
function runArgs(hostPaths: Record<string, string>, port: number, extra: string[]): string[] {
  const args = ['--name', NAME, ...extra];
  if (pod.hostPID) args.push('--pid=host');
  if (!pod.hostNetwork) args.push('-p', `127.0.0.1:${port}:${container.ports[0].containerPort}`);
  args.push('--user', `${sc.runAsUser}:${sc.runAsGroup}`);
  for (const c of sc.capabilities.drop) args.push('--cap-drop', c);
  for (const c of sc.capabilities.add) args.push('--cap-add', c);
  if (sc.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
  if (sc.appArmorProfile?.type === 'Unconfined') args.push('--security-opt', 'apparmor=unconfined');
  if (sc.readOnlyRootFilesystem) args.push('--read-only');
  assert.equal(sc.privileged, false);
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault', "podman's default seccomp profile stands for RuntimeDefault");
  args.push('--memory', container.resources.limits.memory.replace(/Mi$/, 'm'), '--cpus', String(Number.parseInt(container.resources.limits.cpu, 10) / 1000));
  const volumes = new Map<string, any>(pod.volumes.map((v: any) => [v.name, v]));
  for (const m of container.volumeMounts) {
    const v = volumes.get(m.name);
    const ro = m.readOnly ? ':ro' : '';
    if (v.emptyDir) {
      args.push('--tmpfs', `${m.mountPath}:rw,size=${String(v.emptyDir.sizeLimit ?? '64Mi').replace(/Mi$/, 'm')}`);
      continue;
    }
    const host = hostPaths[m.name];
    assert.ok(host, `no host path for the volume ${m.name}`);
    args.push('-v', `${host}:${m.mountPath}${ro}`);
  }
  return [...args, IMAGE, ...container.args];
}

test('run as the DaemonSet runs it, the container confirms a deadlocked host process with its signature; HEALTHCHECK passes', { timeout: 180_000 }, async (t) => {
  const cfg = parseYaml(k8s.get('ConfigMap').data['forkwatch.yml']);
  assert.equal(cfg.procRoot, '/host/proc', "the ConfigMap's procRoot");
  const procMount = container.volumeMounts.find((m: any) => m.mountPath === cfg.procRoot);
  assert.ok(procMount?.readOnly, 'the host /proc is mounted read-only at procRoot');
  assert.equal(pod.volumes.find((v: any) => v.name === procMount.name).hostPath.path, '/proc');

  const dl: Deadlocker = await startDeadlocker({ hung: 1, exec: true, sleeper: true });
  t.after(() => dl.stop());
  // The ConfigMap's config, with this test's target and quick timings.
  const configFile = join(work, 'forkwatch.yml');
  writeFileSync(configFile, JSON.stringify({ ...cfg, targets: [{ name: 'jenkins', pid: dl.pid }], interval: '1s', hungAfter: '1s' }));
  const secrets = join(work, 'secrets');
  mkdirSync(secrets);
  writeFileSync(join(secrets, 'token'), 'c'.repeat(64));
  chmodSync(join(secrets, 'token'), 0o400);
  const state = join(work, 'state');
  mkdirSync(state);
  const hostPaths: Record<string, string> = {};
  for (const v of pod.volumes) {
    if (v.configMap) hostPaths[v.name] = configFile;
    else if (v.secret) hostPaths[v.name] = secrets;
    else if (v.hostPath?.path === '/proc') hostPaths[v.name] = '/proc';
    else if (v.hostPath) hostPaths[v.name] = state; // the node's state directory: a fresh one here
  }
  const port = await freePort();
  // Not in the DaemonSet: the target's own binary, read-only at its path. eu-stack
  // (elfutils 0.188) opens a target's modules by path in its own mount
  // namespace, never through /proc/PID/root; without the binary it cannot
  // unwind past the atfork handler and the stack matches only a generic
  // signature. docs/operations.md#container says what this means for a JVM.
  const binDir = dirname(dl.binary);
  podmanOk(['run', '--detach', ...runArgs(hostPaths, port, ['-v', `${binDir}:${binDir}:ro`])]);
  const base = `http://127.0.0.1:${port}`;
  try {
    runsWithExactlyTheDaemonSetPrivileges();
    await confirmsThroughTheApi(base, dl);
  } catch (err) {
    const logs = podman(['logs', '--tail', '60', NAME]);
    throw new Error(`${(err as Error).message}\n--- container logs:\n${logs.stdout}${logs.stderr}`, { cause: err });
  }
});

/** Capability bits of <linux/capability.h>, for the names the DaemonSet uses. */
const CAP_BITS: Record<string, number> = { DAC_READ_SEARCH: 2, KILL: 5, SYS_PTRACE: 19 };

/** The daemon in the container, seen from the host's /proc: uid 0, exactly the added capabilities, no_new_privs, seccomp on. */
function runsWithExactlyTheDaemonSetPrivileges(): void {
  const pid = Number(podmanOk(['inspect', '--format', '{{.State.Pid}}', NAME]).trim());
  assert.ok(pid > 0, 'the container has a main process');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const fields = new Map(status.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
  const field = (name: string): string => fields.get(name) ?? '';
  assert.match(field('Name'), /^node/);
  assert.equal(field('Uid').split(/\s+/)[0], String(sc.runAsUser));
  assert.equal(field('Gid').split(/\s+/)[0], String(sc.runAsGroup));
  let want = 0n;
  for (const c of sc.capabilities.add) {
    assert.ok(CAP_BITS[c] !== undefined, `capability ${c}: add its bit to CAP_BITS`);
    want |= 1n << BigInt(CAP_BITS[c] as number);
  }
  for (const set of ['CapEff', 'CapPrm', 'CapBnd']) assert.equal(BigInt(`0x${field(set)}`), want, `${set} = ${field(set)}`);
  assert.equal(field('NoNewPrivs'), sc.allowPrivilegeEscalation === false ? '1' : '0');
  assert.equal(field('Seccomp'), '2', 'a seccomp filter (RuntimeDefault)');
}

/** The hung child confirmed with its signature, no decoy confirmed, the probes and the HEALTHCHECK pass. */
async function confirmsThroughTheApi(base: string, dl: Deadlocker): Promise<void> {
  const hung = dl.pidsOf('hung')[0] as number;
  const incident = await waitFor('the hung child confirmed through the container API', async () => {
    const res = await fetch(`${base}/api/v1/incidents?limit=100`);
    const page = (await res.json()) as { items: { id: string; childPid: number; state: string; signatureId: string | null }[] };
    return page.items.find((i) => i.childPid === hung && i.state === 'confirmed' && i.signatureId !== null);
  }, WAIT_MS, 500);
  const full = (await (await fetch(`${base}/api/v1/incidents/${incident.id}`)).json()) as { signatureId: string; evidence: { stack: { threads: { frames: { fn: string | null }[] }[] } } };
  assert.equal(full.signatureId, SIGNATURE, `the hung child's signature (frames: ${JSON.stringify(full.evidence.stack.threads[0]?.frames.map((f) => f.fn))})`);
  const decoys = [...dl.pidsOf('exec'), ...dl.pidsOf('sleeper')];
  const all = (await (await fetch(`${base}/api/v1/incidents?limit=100`)).json()) as { items: { childPid: number; state: string }[] };
  assert.ok(!all.items.some((i) => decoys.includes(i.childPid) && i.state === 'confirmed'), 'no decoy confirmed');

  // The probes of the DaemonSet, on the published port.
  for (const probe of [container.livenessProbe, container.readinessProbe]) {
    await waitFor(`${probe.httpGet.path} answers 200`, async () => (await fetch(base + probe.httpGet.path)).status === 200, WAIT_MS, 500);
  }
  // The image's own HEALTHCHECK, run by podman inside the container.
  assert.match(podmanOk(['inspect', '--format', '{{json .Config.Healthcheck}}', NAME]), /healthz/);
  const hc = podman(['healthcheck', 'run', NAME]);
  assert.equal(hc.status, 0, `podman healthcheck run: ${describeResult(hc)}`);
  assert.equal(podmanOk(['inspect', '--format', '{{.State.Status}}', NAME]).trim(), 'running');
}
