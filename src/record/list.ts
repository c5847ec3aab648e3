/** list(): filters and stable keyset pagination, newest first by (openedAt, id). */
import type { Database, Statement } from 'better-sqlite3';
import { checkLimit, decodeCursor, encodeCursor } from './cursor.js';
import { SUMMARY_COLUMNS, toSummary, type IncidentRow } from './rows.js';
import { OPEN_STATES, type IncidentState, type IncidentSummary, type ListQuery, type Page } from './types.js';

export function listIncidents(db: Database, q: ListQuery): Page<IncidentSummary> {
  const limit = checkLimit(q.limit);
  const where: string[] = [];
  const params: (string | number)[] = [];
  const states = statesOf(q.state);
  if (states) {
    where.push(`state IN (${states.map(() => '?').join(', ')})`);
    params.push(...states);
  }
  if (q.target !== undefined) {
    where.push('target_name = ?');
    params.push(q.target);
  }
  if (q.signature !== undefined) {
    where.push('signature_id = ?');
    params.push(q.signature);
  }
  if (q.since !== undefined) {
    where.push('opened_at >= ?');
    params.push(q.since);
  }
  if (q.cursor) {
    const [openedAt, id] = decodeCursor(q.cursor, ['number', 'string']);
    // Row-value comparison: uses the (opened_at, id) index and never skips or repeats a row.
    where.push('(opened_at, id) < (?, ?)');
    params.push(openedAt as number, id as string);
  }
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY opened_at DESC, id DESC LIMIT ?`;
  const rows = prepareCached(db, sql).all(...params, limit + 1) as IncidentRow[];
  const items = rows.slice(0, limit).map(toSummary);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.openedAt, last.id]) : null };
}

// A handful of distinct filter combinations exist; preparing costs more than running a page.
const statementCache = new WeakMap<Database, Map<string, Statement>>();

export function prepareCached(db: Database, sql: string): Statement {
  let byDb = statementCache.get(db);
  if (!byDb) statementCache.set(db, (byDb = new Map()));
  let st = byDb.get(sql);
  if (!st) {
    if (byDb.size >= 64) byDb.clear(); // bounded: filters come from API callers
    byDb.set(sql, (st = db.prepare(sql)));
  }
  return st;
}

function statesOf(s: ListQuery['state']): IncidentState[] | null {
  if (s === undefined) return null;
  if (s === 'open') return [...OPEN_STATES];
  return Array.isArray(s) ? s : [s];
}
