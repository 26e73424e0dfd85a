export * from './lib/schema';
export { migrateToLatest, migrationStatus, type MigrationState } from './lib/migrations';
export { createApiKey, hashApiKey, listApiKeys, revokeApiKey, type ApiKeySummary, type CreateApiKeyOptions } from './lib/api-keys';
export { listTrackingEvents } from './lib/tracking-events';
export { pingDatabase } from './lib/ping';
export { createDatabase, connectPostgres, reportClientErrors, type DatabaseOptions } from './lib/connect';
export {
  databaseSourceFromEnv,
  databaseUrlFromSecret,
  resolveDatabaseUrl,
  type DatabaseSource,
  type ResolveDatabaseUrlOptions,
} from './lib/database-source';
export { SecretPool, isAuthFailure, AUTH_FAILURE_CODES, type PoolFactory } from './lib/secret-pool';
export { sql, type Kysely, type Transaction } from 'kysely';
