// Read side of the tracking history. Belongs in a shared lib (the API may not import an app): kept here until then.
import type { Database, Kysely, TrackingEvent } from '@bmx/db';

/** A book's status changes, oldest first (ties broken by id, i.e. insertion order). */
export async function listTrackingEvents(db: Kysely<Database>, bookId: number): Promise<TrackingEvent[]> {
  return db.selectFrom('tracking_events').selectAll().where('book_id', '=', bookId).orderBy('recorded_at').orderBy('id').execute();
}
