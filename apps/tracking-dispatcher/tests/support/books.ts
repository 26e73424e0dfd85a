import type { Database, Kysely, NewBook } from '@bmx/db';

/** Inserts books in chunks (one statement per 500) and returns their ids in order. */
export async function insertBooks(db: Kysely<Database>, books: NewBook[]): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < books.length; i += 500) {
    const rows = await db.insertInto('books').values(books.slice(i, i + 500)).returning('id').execute();
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}
