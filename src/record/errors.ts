/** Typed store errors: the daemon maps StoreOpenError to a clear exit at start, the API maps the others to 4xx. */

export type StoreOpenReason =
  | 'read-only'
  | 'permission'
  | 'not-a-directory'
  | 'corrupt'
  | 'not-a-database'
  | 'disk-full'
  | 'locked'
  | 'in-use'
  | 'newer-schema'
  | 'pseudo-fs'
  | 'unsafe-permissions'
  | 'io';

/** The store cannot be opened: names the file, the reason and the underlying cause. */
export class StoreOpenError extends Error {
  readonly path: string;
  readonly reason: StoreOpenReason;
  /** sysexits.h EX_CANTCREAT: a file the program needs cannot be created or used. */
  readonly exitCode = 73;
  constructor(path: string, reason: StoreOpenReason, message: string, cause?: unknown) {
    super(`incident store ${path}: ${message}`, { cause });
    this.name = 'StoreOpenError';
    this.path = path;
    this.reason = reason;
  }
}

export class IncidentNotFoundError extends Error {
  readonly incident: string;
  constructor(keyOrId: string) {
    super(`no incident ${JSON.stringify(keyOrId)}`);
    this.name = 'IncidentNotFoundError';
    this.incident = keyOrId;
  }
}

/** An operation not allowed in the incident's current state (e.g. remediating a resolved incident). */
export class IncidentStateError extends Error {
  readonly incidentId: string;
  readonly state: string;
  constructor(id: string, state: string, operation: string) {
    super(`incident ${id} is ${state}: cannot ${operation}`);
    this.name = 'IncidentStateError';
    this.incidentId = id;
    this.state = state;
  }
}

/** A cursor that this store did not produce (API: 400). */
export class InvalidCursorError extends Error {
  constructor(cursor: string) {
    super(`invalid cursor ${JSON.stringify(cursor.slice(0, 100))}`);
    this.name = 'InvalidCursorError';
  }
}

/** Input the store refuses (bad limit, bad transition number). */
export class StoreInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreInputError';
  }
}
