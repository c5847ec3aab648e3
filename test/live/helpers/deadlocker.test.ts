import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startDeadlocker } from '../../helpers/deadlocker.js';

test('deadlocker: hung children block in a futex wait; decoys do not', async () => {
  const d = await startDeadlocker({ hung: 2, exec: true, sleeper: true, zombie: true });
  try {
    assert.equal(d.pidsOf('hung').length, 2);
    await new Promise((r) => setTimeout(r, 300));
    for (const pid of d.pidsOf('hung')) {
      const syscall = readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ');
      assert.equal(syscall[0], '202', `hung child ${pid} should be in futex(): ${syscall.join(' ')}`);
    }
    const zombieStat = readFileSync(`/proc/${d.pidsOf('zombie')[0]}/stat`, 'utf8');
    assert.match(zombieStat, /\) Z /);
  } finally {
    await d.stop();
  }
});
