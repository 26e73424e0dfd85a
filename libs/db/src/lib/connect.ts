import { logger } from '@bmx/lambda-kit';
import { Kysely, PostgresDialect, type Dialect } from 'kysely';
import { Pool, type Client } from 'pg';
import type { DatabaseSource } from './database-source';
import type { Database } from './schema';
import { SecretPool } from './secret-pool';

/** Options for {@link createDatabase}. */
export interface DatabaseOptions {
  /** Where the database is: `{url}` or `{secretArn}` (see `databaseSourceFromEnv`). Absent: embedded PGlite. */
  source?: DatabaseSource;
  /** Directory for the embedded database's files; in memory when absent. Ignored when `source` is set. */
  pgliteDir?: string;
  /** Connections in the pool. Default 10; a Lambda wants 1 or 2. */
  poolSize?: number;
}

/**
 * Reports a connection's `'error'` event instead of letting it crash the process (an EventEmitter's `'error'` with
 * no listener throws). pg emits it when the socket dies or the server sends what no query was waiting for (a
 * restart, a failover, a terminated backend, a confused server); the queries in flight on it have already been
 * rejected, and the client is marked unusable, so a pool drops it when it is released.
 */
export function reportClientErrors(client: Client, log: (line: string) => void = (line) => logger.warn(line)): Client {
  client.on('error', (error) => log(`database: connection lost (${error.message}); it will not be used again`));
  return client;
}

function newPool(url: string, poolSize: number): Pool {
  const pool = new Pool({ connectionString: url, max: poolSize });
  // pg-pool listens to a client's errors only while it is idle; checked out (inside a query or a transaction) the
  // client has no listener of its own, so one is added to every client for its whole life.
  pool.on('connect', (client) => reportClientErrors(client));
  // An idle client's error is also re-emitted on the pool (already reported above); the pool has discarded that
  // client and opens a new one on the next query. Unhandled, this event too would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Opens PostgreSQL with a connection pool: at a URL, or with the credentials in a Secrets Manager secret. A pool
 * opened from a secret reads it on its first connection and again whenever the server refuses the credentials
 * (SQLSTATE 28P01 or 28000, i.e. the secret was rotated), then reconnects once with what the secret now holds.
 */
export function connectPostgres(target: string | DatabaseSource, poolSize = 10): Kysely<Database> {
  const source = typeof target === 'string' ? { url: target } : target;
  const pool = 'url' in source ? newPool(source.url, poolSize) : new SecretPool(source, (url) => newPool(url, poolSize));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Opens the database: PostgreSQL when a source is given, else embedded PGlite (in memory or in `pgliteDir`).
 * PGlite is imported only on that path, so a Lambda bundle that always has a URL can leave it out.
 */
export async function createDatabase(options: DatabaseOptions = {}): Promise<Kysely<Database>> {
  if (options.source) return connectPostgres(options.source, options.poolSize);
  const [{ PGlite }, { PGliteDialect }] = await Promise.all([import('@electric-sql/pglite'), import('kysely-pglite-dialect')]);
  // The dialect's types come from Kysely's ESM build and ours from its CommonJS build; at run time both are CommonJS.
  const dialect = new PGliteDialect(new PGlite(options.pgliteDir)) as unknown as Dialect;
  return new Kysely<Database>({ dialect });
}
