import type { Database, Kysely } from '@bmx/db';
import type { CarrierId, TrackingResult } from '../carriers/types';

/** What applying a carrier's answer did to the book. */
export interface ApplyOutcome {
  /** The book row was gone by the time the answer came. */
  missing: boolean;
  /** A tracking_events row was written. */
  changed: boolean;
  /** Tracking was switched off (delivered and the grace period is over). */
  stopped: boolean;
}

/**
 * Records a successful check in one transaction, with the book row locked so two deliveries of the same message
 * cannot both write the same event:
 * - a status change inserts `tracking_events (previous_status → status)`;
 * - `Unknown` never overwrites a known status (the carrier answered, but with nothing we can read);
 * - Delivered sets `tracking_delivered_at` once, and `tracking_active = false` once `graceHours` have passed
 *   since then (at once when 0), so the dispatcher stops selecting the book;
 * - `tracking_last_checked` is always set.
 */
export async function applyTrackingResult(
  db: Kysely<Database>,
  bookId: number,
  carrier: CarrierId,
  result: TrackingResult,
  options: { now: Date; graceHours: number },
): Promise<ApplyOutcome> {
  const { now, graceHours } = options;
  return db.transaction().execute(async (trx) => {
    const book = await trx
      .selectFrom('books')
      .select(['tracking_status', 'tracking_carrier', 'tracking_delivered_at', 'tracking_active'])
      .where('id', '=', bookId)
      .forUpdate()
      .executeTakeFirst();
    if (!book) return { missing: true, changed: false, stopped: false };

    const previous = book.tracking_status;
    const status = result.status === 'Unknown' && previous !== null ? previous : result.status;
    const changed = status !== previous;
    if (changed) {
      await trx
        .insertInto('tracking_events')
        .values({ book_id: bookId, carrier, status, previous_status: previous, detail: result.detail, recorded_at: now })
        .execute();
    }
    const deliveredAt = status === 'Delivered' ? (book.tracking_delivered_at ?? now) : null;
    const graceOver = deliveredAt !== null && now.getTime() - deliveredAt.getTime() >= graceHours * 3_600_000;
    await trx
      .updateTable('books')
      .set({
        tracking_status: status,
        tracking_carrier: book.tracking_carrier ?? carrier,
        tracking_last_checked: now,
        tracking_delivered_at: deliveredAt,
        tracking_active: book.tracking_active && !graceOver,
        updated_at: now,
      })
      .where('id', '=', bookId)
      .execute();
    return { missing: false, changed, stopped: book.tracking_active && graceOver };
  });
}
