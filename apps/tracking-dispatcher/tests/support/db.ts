import type { TestDatabase } from '@bmx/db/testing';

/**
 * Drops a test database without racing its own pool. `TestDatabase.drop()` ends the pool and then drops WITH (FORCE);
 * pg-pool's `end()` resolves before the sockets have closed, so the forced drop can kill a connection that is still
 * closing and its 'error' event fails the test file. Ending first and letting the sockets close avoids that (the
 * second `destroy()` inside `drop()` is a no-op).
 */
export async function dropTestDatabase(testDb: TestDatabase | undefined): Promise<void> {
  if (!testDb) return;
  await testDb.db.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  await testDb.drop();
}
