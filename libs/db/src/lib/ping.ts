import { sql, type Kysely } from 'kysely';

/**
 * One round trip to the database: resolves when the server accepted the connection (credentials included, so a
 * secret-backed pool reads its secret here) and answered; throws otherwise. Changes nothing.
 */
export async function pingDatabase<DB>(db: Kysely<DB>): Promise<void> {
  await sql`SELECT 1`.execute(db);
}
