/**
 * Dockerfile and .dockerignore, checked structurally (the image is built and
 * run for real by test/deploy/container.test.ts, with podman, from a base made
 * here: these checks also cover the default public base). Pinned Node 20 base, multi-stage,
 * production dependencies only in the runtime stage, a non-root USER, a
 * HEALTHCHECK on /healthz without curl, nothing secret in the build context.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { envVarNames } from '../../src/config/env.js';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../src/daemon/node-flags.js';
import { REPO_ROOT, describeResult, readRepoFile, runTool } from './support.js';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  body: Instruction[];
}

/** Instructions with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const joined = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of joined) {
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(line);
    assert.ok(m, `unparsable line: ${line}`);
    const op = (m[1] as string).toUpperCase();
    const rest = m[2] as string;
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      assert.ok(f, line);
      stages.push({ from: f[1] as string, name: f[2], body: [] });
    } else if (stages.length === 0 && op === 'ARG') {
      const [k, v] = rest.split('=');
      args.set(k as string, v ?? '');
    } else {
      assert.ok(stages.length > 0, `${op} before the first FROM`);
      stages.at(-1)?.body.push({ op, args: rest });
    }
  }
  return { args, stages };
}

const dockerfile = parseDockerfile(readRepoFile('Dockerfile'));
/** The image: FROM scratch, the files of runtime-root copied flat (what runtime-root deleted is gone). */
const runtime = dockerfile.stages.at(-1) as Stage;
/** Where the runtime's files are assembled. */
const runtimeRoot = dockerfile.stages.find((s) => s.name === 'runtime-root') as Stage;
const ops = (s: Stage, op: string): string[] => s.body.filter((i) => i.op === op).map((i) => i.args);

test('the base image is the official Node 20 image, pinned to a full version (optionally a digest), in every stage', () => {
  const image = dockerfile.args.get('NODE_IMAGE') ?? '';
  assert.match(image, /^node:20\.[0-9]+\.[0-9]+-(bookworm|bullseye)-slim(@sha256:[0-9a-f]{64})?$/);
  const [major, minor] = (/^node:(\d+)\.(\d+)/.exec(image) ?? []).slice(1).map(Number);
  assert.ok(major === 20 && (minor as number) >= 19, 'package.json engines: node >= 20.19');
  assert.ok(dockerfile.stages.length >= 2, 'multi-stage');
  // BASE_IMAGE: the pinned public image unless a base is passed (scripts/container-base.sh).
  assert.equal(dockerfile.args.get('BASE_IMAGE'), '${NODE_IMAGE}', 'the public image is the default');
  for (const s of dockerfile.stages.slice(0, -1)) assert.equal(s.from, '${BASE_IMAGE}', `stage ${s.name}`);
  assert.equal(runtime.from, 'scratch');
  assert.ok(runtimeRoot, 'a runtime-root stage');
  assert.deepEqual(ops(runtime, 'COPY'), ['--from=runtime-root / /'], 'the image is runtime-root, flat');
  assert.equal(ops(runtime, 'RUN').length, 0, 'nothing runs in the final stage');
});

test('only production dependencies reach the runtime stage, built where the compiler is', () => {
  const byName = new Map(dockerfile.stages.map((s) => [s.name, s]));
  const prod = dockerfile.stages.find((s) => ops(s, 'RUN').some((r) => /npm ci\b.*--omit=dev/.test(r)));
  assert.ok(prod, 'a stage runs npm ci --omit=dev');
  assert.ok(ops(prod, 'RUN').some((r) => /\bg\+\+/.test(r)), 'better-sqlite3 may need a compiler where it is installed');
  const build = byName.get('build');
  assert.ok(build && ops(build, 'RUN').some((r) => /npm ci\b/.test(r)) && ops(build, 'RUN').some((r) => /npm run build/.test(r)));
  const copies = ops(runtimeRoot, 'COPY');
  assert.ok(copies.includes(`--from=${prod.name} /src/node_modules ./node_modules`), 'node_modules from the production stage');
  assert.ok(copies.some((c) => c.startsWith('--from=build /src/dist')), 'dist from the build stage');
  assert.ok(!copies.some((c) => /--from=build\b.*node_modules/.test(c)), 'never the dev node_modules');
  for (const r of ops(runtimeRoot, 'RUN')) {
    assert.doesNotMatch(r, /npm (ci|install)/, 'no npm install in the runtime stage');
    assert.doesNotMatch(r, /\b(g\+\+|gcc|make)\b/, 'no compiler in the runtime stage');
  }
  assert.ok(ops(runtimeRoot, 'RUN').some((r) => /\belfutils\b/.test(r) && /\bgdb(-minimal)?\b/.test(r)), 'elfutils and gdb installed');
  assert.ok(ops(runtimeRoot, 'RUN').some((r) => /rm -rf \/usr\/local\/lib\/node_modules\b/.test(r)), 'npm (and its node-gyp) deleted');
  for (const s of dockerfile.stages) {
    for (const r of ops(s, 'RUN').filter((x) => /npm ci\b/.test(x))) {
      // The build's CA reaches npm as a secret mount only, never a layer.
      assert.match(r, /^--mount=type=secret,id=build-ca\s/, `${s.name}: ${r}`);
    }
    assert.ok(!ops(s, 'ENV').some((e) => /NODE_EXTRA_CA_CERTS/.test(e)), 'no CA in the image environment');
  }
});

test('the runtime stage runs as a non-root user and probes /healthz with node (no curl)', () => {
  const users = ops(runtime, 'USER');
  assert.ok(users.length > 0, 'USER set');
  const user = users.at(-1) as string;
  assert.doesNotMatch(user, /^(0|root)(:|$)/);
  assert.match(user, /^[0-9]+:[0-9]+$/, 'numeric, so Kubernetes runAsNonRoot can verify it');
  const userIndex = runtime.body.findIndex((i) => i.op === 'USER');
  assert.ok(runtime.body.slice(userIndex).every((i) => i.op !== 'RUN'), 'nothing runs as root after USER');
  const hc = ops(runtime, 'HEALTHCHECK');
  assert.equal(hc.length, 1);
  assert.match(hc[0] as string, /CMD \["node", "-e", .*\/healthz/);
  assert.doesNotMatch(hc[0] as string, /curl|wget/);
  const entrypoint = JSON.parse(ops(runtime, 'ENTRYPOINT')[0] ?? 'null') as unknown;
  assert.deepEqual(entrypoint, ['node', ...DAEMON_NODE_FLAGS, '/opt/forkwatch/dist/cli/index.js'], 'exec form, the daemon flags of src/daemon/node-flags.ts');
  assert.match(ops(runtime, 'CMD')[0] ?? '', /"run"/);
});

test('COPY takes only named sources that exist, never the whole context, secrets, .env or state', () => {
  const allowed = /^(package\.json|package-lock\.json|tsconfig\.json|src|signatures|docs|deploy\/examples\/forkwatch\.yml)$/;
  for (const s of dockerfile.stages) {
    for (const c of [...ops(s, 'COPY'), ...ops(s, 'ADD')]) {
      if (c.startsWith('--from=')) continue;
      const parts = c.split(/\s+/);
      for (const src of parts.slice(0, -1)) {
        assert.match(src, allowed, `${s.name}: COPY ${c}`);
        assert.ok(existsSync(join(REPO_ROOT, src)), `COPY source ${src} exists`);
      }
    }
    assert.equal(ops(s, 'ADD').length, 0, 'ADD can fetch URLs and unpack archives: use COPY');
  }
  const ignore = readRepoFile('.dockerignore').split('\n').map((l) => l.trim());
  for (const p of ['.git', 'node_modules', 'dist', 'var', '.env', '.env.*', '.npmrc', '.tmp']) assert.ok(ignore.includes(p), `.dockerignore lists ${p}`);
  for (const keep of ['src', 'signatures', 'docs', 'package.json', 'package-lock.json', 'tsconfig.json']) {
    assert.ok(!ignore.includes(keep), `.dockerignore must not exclude ${keep}`);
  }
  assert.ok(ignore.includes('!deploy/examples/'), 'the example config stays in the context');
});

test("the image's FORKWATCH_* settings are config variables, and with them the shipped config passes check-config", () => {
  const env: Record<string, string> = {};
  for (const e of ops(runtime, 'ENV')) for (const m of e.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) env[m[1] as string] = m[2] as string;
  const known = new Set(envVarNames());
  const fw = Object.keys(env).filter((k) => k.startsWith('FORKWATCH_'));
  assert.ok(fw.includes('FORKWATCH_LISTEN_HOST'));
  for (const k of fw) assert.ok(known.has(k), `${k} is not a config variable`);
  assert.equal(env.FORKWATCH_LISTEN_HOST, '0.0.0.0', 'reachable through a published port');
  for (const [k, v] of Object.entries(DAEMON_ENV)) assert.equal(env[k], v, `${k}: the daemon's environment (src/daemon/node-flags.ts)`);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FORKWATCH_')));
  const r = runTool(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'check-config', '--json', '--config', 'deploy/examples/forkwatch.yml'], {
    env: { ...clean, ...env },
  });
  assert.equal(r.status, 0, describeResult(r));
  const cfg = JSON.parse(r.stdout) as { listen: { host: string; port: number }; stateDir: string };
  assert.deepEqual(cfg.listen, { host: '0.0.0.0', port: 9710 });
  assert.equal(cfg.stateDir, '/var/lib/forkwatch');
  assert.match(ops(runtime, 'VOLUME')[0] ?? '', /\/var\/lib\/forkwatch/);
});

test('the HEALTHCHECK command exits 0 on a 200 from /healthz and 1 on an error status or no listener', async () => {
  const hc = ops(runtime, 'HEALTHCHECK')[0] as string;
  const argv = JSON.parse(hc.slice(hc.indexOf('CMD ') + 4)) as string[];
  assert.deepEqual(argv.slice(0, 2), ['node', '-e']);
  let status = 200;
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/healthz' ? status : 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const probe = async (): Promise<number | null> => {
    const child = spawn(process.execPath, argv.slice(1), { env: { ...process.env, FORKWATCH_LISTEN_PORT: String(port) }, stdio: 'ignore' });
    const [code] = (await once(child, 'exit')) as [number | null];
    return code;
  };
  try {
    assert.equal(await probe(), 0);
    status = 503;
    assert.equal(await probe(), 1);
  } finally {
    await new Promise((r) => server.close(r));
  }
  assert.equal(await probe(), 1, 'nothing listening');
});
