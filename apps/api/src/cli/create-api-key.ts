// Creates an API key and prints it once: `DATABASE_URL=... (or DATABASE_SECRET_ARN=...) node --conditions=@bmx/source --import tsx
// apps/api/src/cli/create-api-key.ts <name> <viewer|editor|admin>`. Only the key's SHA-256 is stored.
import { API_KEY_ROLES, createDatabase, databaseSourceFromEnv, migrateToLatest, type ApiKeyRole, type Kysely } from '@bmx/db';
import { createApiKey } from '../auth';

async function main(): Promise<void> {
  const [name, role] = process.argv.slice(2);
  if (!name || !role || !API_KEY_ROLES.includes(role as ApiKeyRole)) {
    throw new Error(`usage: create-api-key <name> <${API_KEY_ROLES.join('|')}>`);
  }
  const source = databaseSourceFromEnv(process.env);
  const pgliteDir = process.env['PGLITE_DIR']?.trim();
  if (!source && !pgliteDir) {
    throw new Error('DATABASE_URL (or DATABASE_SECRET_ARN, or PGLITE_DIR): set one; a key in an in-memory database would be lost at once');
  }
  const db = await createDatabase({ source, pgliteDir });
  try {
    await migrateToLatest(db as Kysely<unknown>);
    const created = await createApiKey(db, { name, role: role as ApiKeyRole });
    process.stdout.write(`${created.key}\n`);
    process.stderr.write(`Created ${created.role} key "${name}" (id ${created.id}). It is shown only this once.\n`);
  } finally {
    await db.destroy();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
