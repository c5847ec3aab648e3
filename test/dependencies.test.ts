/**
 * Every installed package runs on the Node the project supports: the
 * `engines.node` range of each package in package-lock.json accepts the
 * lowest Node of package.json's own range and the Node running the tests
 * (fastify's light-my-request 6.8 pulled in cookie 2, which wants Node 22:
 * package.json's overrides pin light-my-request to 6.6, on cookie 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { REPO_ROOT } from './helpers/native-build.js';

interface Lock {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; dev?: boolean }>;
}

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as Lock;

test("every package in package-lock.json accepts the project's lowest Node and the one running", () => {
  const lowest = semver.minVersion(pkg.engines.node);
  assert.ok(lowest, `package.json engines.node: ${pkg.engines.node}`);
  assert.ok(semver.satisfies(process.version, pkg.engines.node), `running ${process.version}`);
  const refused: string[] = [];
  let checked = 0;
  for (const [path, p] of Object.entries(lock.packages)) {
    const range = p.engines && !Array.isArray(p.engines) ? p.engines.node : undefined;
    if (!path || !range) continue;
    checked++;
    for (const node of [lowest.version, process.version]) {
      if (!semver.satisfies(node, range)) refused.push(`${path}@${p.version}: engines.node ${range} refuses ${node}`);
    }
  }
  assert.ok(checked > 50, `${checked} packages declare engines.node`);
  assert.deepEqual(refused, []);
});
