/** The record stage: durable incidents, their audit trail and the notification outbox. */
export type {
  IncidentState,
  ResolvedReason,
  Severity,
  ProcessFacts,
  IncidentEvidence,
  AuditRecord,
  IncidentIdentity,
  IncidentSummary,
  Incident,
  SuspectObservation,
  ObserveResult,
  Confirmation,
  ListQuery,
  Page,
  IncidentCounts,
  OutboxTransition,
  OutboxState,
  OutboxItem,
  OutboxStats,
  NotificationQuery,
  OpenStoreOptions,
  IncidentStore,
} from './types.js';
export { OPEN_STATES } from './types.js';
export {
  StoreOpenError,
  IncidentNotFoundError,
  IncidentStateError,
  InvalidCursorError,
  StoreInputError,
  type StoreOpenReason,
} from './errors.js';
export { incidentKey, incidentId } from './key.js';
export { openStore, STORE_FILE } from './open.js';
export { toProcessFacts, toSuspectObservation, MAX_RAW_STACK_BYTES, MAX_KERNEL_SAMPLES } from './evidence.js';
