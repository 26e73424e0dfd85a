import { sql } from '@bmx/db';

/**
 * A JS time as a SQL value (typed `never` so it fits any timestamp column) for `Generated<Timestamp>` columns (created_at, updated_at, recorded_at): the schema's
 * nested `Generated<ColumnType<…>>` makes Kysely refuse a plain Date there. The worker writes its own clock, not
 * the database's now(), so one check's rows all carry the same time and tests can drive the clock.
 */
export function timestamp(date: Date) {
  return sql<never>`${date}::timestamptz`;
}
