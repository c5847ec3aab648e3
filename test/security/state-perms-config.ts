/** Shared by test/security/state-perms.test.ts and test/live/security/state-perms.test.ts. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeConfig(dir: string, stateDir: string): string {
  const file = join(dir, 'forkwatch.yml');
  writeFileSync(
    file,
    `stateDir: ${JSON.stringify(stateDir)}\nlisten: { host: 127.0.0.1, port: 0 }\ninterval: 1s\nlog: { level: info, pretty: false }\ntargets: [{ name: none, pid: 999999999 }]\n`,
  );
  return file;
}
