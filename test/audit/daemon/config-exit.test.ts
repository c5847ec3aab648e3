/** A broken user fork-risk rule file stops `forkwatch run` and `forkwatch check-config` with exit 78 naming the file, key and rule (the real CLI, as built). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/native-build.js';

for (const command of ['run', 'check-config']) {
  test(`forkwatch ${command}: a bad audit.rules.paths file exits 78 naming the file, the key and the rule`, (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-audit-rules-exit-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const rules = join(dir, 'mine.yaml');
    writeFileSync(rules, 'version: "1.0"\nrules:\n  - id: my-rule\n    title: t\n    level: extreme\n    when: []\n');
    const file = join(dir, 'forkwatch.yaml');
    writeFileSync(
      file,
      `stateDir: ${dir}/state\nlisten: { port: 0 }\naudit:\n  rules:\n    paths: [${JSON.stringify(rules)}]\n`,
    );
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist/cli/index.js'), command, '--config', file], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, FORKWATCH_CONFIG: '' },
    });
    assert.equal(r.status, 78, r.stderr);
    assert.match(r.stderr, /audit\.rules\.paths/);
    assert.ok(r.stderr.includes(`${rules}: rules[0]`), r.stderr);
    assert.match(r.stderr, /rule "my-rule"/);
  });
}
