import type { Database, Kysely } from '@bmx/db';
import type { CarrierId } from '../carriers/types';

/** When a carrier's circuit opens and for how long. */
export interface CircuitPolicy {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** Milliseconds the circuit stays open before one trial call is let through. */
  openMs: number;
}

/** One carrier's breaker, as stored in `carrier_circuits`. */
export interface CircuitState {
  failureCount: number;
  /** While in the future, no call is made to the carrier. */
  openUntil: Date | null;
}

export const CLOSED: CircuitState = Object.freeze({ failureCount: 0, openUntil: null });

/** True while calls must not be made. */
export function isOpen(state: CircuitState, now: Date): boolean {
  return state.openUntil !== null && state.openUntil.getTime() > now.getTime();
}

/**
 * The state after a failed call. Reaching the threshold opens the circuit for `openMs`. The count is not reset when
 * the circuit opens, so the first (trial) call after it closes again re-opens it at once if it fails too.
 */
export function afterFailure(state: CircuitState, now: Date, policy: CircuitPolicy): CircuitState {
  const failureCount = state.failureCount + 1;
  return {
    failureCount,
    openUntil: failureCount >= policy.failureThreshold ? new Date(now.getTime() + policy.openMs) : state.openUntil,
  };
}

/** The state after a successful call: closed, count cleared. */
export function afterSuccess(): CircuitState {
  return { ...CLOSED };
}

function toState(row: { failure_count: number; open_until: Date | null } | undefined): CircuitState {
  return row ? { failureCount: row.failure_count, openUntil: row.open_until } : { ...CLOSED };
}

/** The carrier's stored breaker (closed when it has no row yet). */
export async function readCircuit(db: Kysely<Database>, carrier: CarrierId): Promise<CircuitState> {
  const row = await db.selectFrom('carrier_circuits').select(['failure_count', 'open_until']).where('carrier', '=', carrier).executeTakeFirst();
  return toState(row);
}

/**
 * Counts one failure. Row-locked read-modify-write, so concurrent workers failing at once each count: the decision
 * itself is {@link afterFailure}.
 */
export async function recordFailure(db: Kysely<Database>, carrier: CarrierId, policy: CircuitPolicy, now: Date): Promise<CircuitState> {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('carrier_circuits').values({ carrier }).onConflict((oc) => oc.column('carrier').doNothing()).execute();
    const current = toState(
      await trx.selectFrom('carrier_circuits').select(['failure_count', 'open_until']).where('carrier', '=', carrier).forUpdate().executeTakeFirst(),
    );
    const next = afterFailure(current, now, policy);
    await trx
      .updateTable('carrier_circuits')
      .set({ failure_count: next.failureCount, open_until: next.openUntil, updated_at: now })
      .where('carrier', '=', carrier)
      .execute();
    return next;
  });
}

/** Closes the circuit. Writes only when there is something to clear, so a healthy carrier costs no writes. */
export async function recordSuccess(db: Kysely<Database>, carrier: CarrierId, now: Date): Promise<void> {
  await db
    .updateTable('carrier_circuits')
    .set({ failure_count: 0, open_until: null, updated_at: now })
    .where('carrier', '=', carrier)
    .where((eb) => eb.or([eb('failure_count', '<>', 0), eb('open_until', 'is not', null)]))
    .execute();
}
