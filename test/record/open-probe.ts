/** Opens a store in argv[2] and prints the outcome as JSON: run as another user by open.test.ts. */
import { openStore, StoreOpenError } from '../../src/record/index.js';

try {
  openStore({ stateDir: process.argv[2] ?? '', host: 'probe', sinks: ['slack'] }).close();
  process.stdout.write(JSON.stringify({ ok: true }));
} catch (err) {
  const e = err as StoreOpenError;
  process.stdout.write(JSON.stringify({ ok: false, name: e.name, reason: e.reason, path: e.path, message: e.message }));
}
