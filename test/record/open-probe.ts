/**
 * Opens a store in argv[2] and prints the outcome as JSON (one line), for
 * tests that need another process: open.test.ts runs it as another user,
 * owner.test.ts as a second daemon. argv[3]: 'open' (default: open, close),
 * 'own' (open as the stateDir's owner, close), 'hold' (own it and stay
 * alive until killed).
 */
import { openStore, StoreOpenError } from '../../src/record/index.js';

const mode = process.argv[3] ?? 'open';
try {
  const store = openStore({ stateDir: process.argv[2] ?? '', host: 'probe', sinks: ['slack'], owner: mode !== 'open' });
  process.stdout.write(JSON.stringify({ ok: true, pid: process.pid }) + '\n');
  // The interval keeps the store reachable: better-sqlite3 closes a collected Database, and with
  // it the stateDir lock this process is meant to hold (a GC under load let a second owner in).
  if (mode === 'hold') setInterval(() => void store, 60_000);
  else store.close();
} catch (err) {
  const e = err as StoreOpenError;
  process.stdout.write(
    JSON.stringify({ ok: false, name: e.name, reason: e.reason, path: e.path, message: e.message }) + '\n',
  );
}
