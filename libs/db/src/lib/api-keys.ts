import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { API_KEY_ROLES, type ApiKeyRole, type Database } from './schema';

/** SHA-256 of the key, hex: the only form a key is stored in. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Options for {@link createApiKey}. */
export interface CreateApiKeyOptions {
  /** A label for people, e.g. `demo` or `ci`. */
  name: string;
  role: ApiKeyRole;
}

/** Generates a key, stores its hash, and returns the key itself: the only time it is ever seen. */
export async function createApiKey(db: Kysely<Database>, options: CreateApiKeyOptions): Promise<{ id: number; key: string; role: ApiKeyRole }> {
  if (!API_KEY_ROLES.includes(options.role)) throw new Error(`role must be one of ${API_KEY_ROLES.join(', ')}`);
  const key = `bmx_${randomBytes(24).toString('base64url')}`;
  const row = await db
    .insertInto('api_keys')
    .values({ name: options.name, role: options.role, key_hash: hashApiKey(key) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, key, role: options.role };
}

/** A key as an operator sees it: never its hash. */
export interface ApiKeySummary {
  id: number;
  name: string;
  role: ApiKeyRole;
  created_at: Date;
  revoked_at: Date | null;
}

/** Every key, oldest first; revoked ones too unless `activeOnly`. */
export async function listApiKeys(db: Kysely<Database>, options: { activeOnly?: boolean } = {}): Promise<ApiKeySummary[]> {
  let query = db.selectFrom('api_keys').select(['id', 'name', 'role', 'created_at', 'revoked_at']).orderBy('id');
  if (options.activeOnly) query = query.where('revoked_at', 'is', null);
  return (await query.execute()) as ApiKeySummary[];
}

/**
 * Revokes key `id` now (the API refuses it from then on). Returns the key as revoked, or undefined when there is no
 * such key; a key revoked earlier keeps its first `revoked_at`.
 */
export async function revokeApiKey(db: Kysely<Database>, id: number): Promise<ApiKeySummary | undefined> {
  await db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  return (await db.selectFrom('api_keys').select(['id', 'name', 'role', 'created_at', 'revoked_at']).where('id', '=', id).executeTakeFirst()) as ApiKeySummary | undefined;
}
