import type { IncidentStore, OpenStoreOptions } from './types.js';

export const STORE_FILE = 'forkwatch.db';

/** Opens (creating and migrating) the store in opts.stateDir. Throws StoreOpenError. */
export function openStore(_opts: OpenStoreOptions): IncidentStore {
  throw new Error('openStore: being implemented (src/record)');
}
