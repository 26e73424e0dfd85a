import type { Kysely } from 'kysely';
import type { Database, TrackingEvent } from './schema';

/**
 * A book's parcel status changes, oldest first (ties by id, i.e. insertion order). Written by the tracking worker,
 * read by the API: here so both share one query.
 */
export function listTrackingEvents(db: Kysely<Database>, bookId: number): Promise<TrackingEvent[]> {
  return db.selectFrom('tracking_events').selectAll().where('book_id', '=', bookId).orderBy('recorded_at').orderBy('id').execute();
}
