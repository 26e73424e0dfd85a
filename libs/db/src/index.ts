export * from './lib/schema';
export { migrateToLatest } from './lib/migrations';
export { listTrackingEvents } from './lib/tracking-events';
export { createDatabase, connectPostgres, databaseUrlFromEnv, DatabaseConfigError, type DatabaseOptions } from './lib/connect';
export { createTestDatabase, testServerUrl, type TestDatabase } from './lib/testing';
export { sql, type Kysely, type Transaction } from 'kysely';
