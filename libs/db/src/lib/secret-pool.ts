import { logger } from '@bmx/lambda-kit';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { resolveDatabaseUrl, type DatabaseSource } from './database-source';

/**
 * SQLSTATEs the server answers when it refuses the credentials: `28P01` wrong password, `28000` unknown role or a
 * role not allowed to log in. After a rotation these mean the cached secret is stale.
 */
export const AUTH_FAILURE_CODES: ReadonlySet<string> = new Set(['28P01', '28000']);

export function isAuthFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && AUTH_FAILURE_CODES.has(String((error as { code?: unknown }).code));
}

/** A pool for one connection string: `pg.Pool` in production, a fake in unit tests. */
export type PoolFactory = (url: string) => PostgresPool;

interface OpenPool {
  url: string;
  pool: PostgresPool;
}

/**
 * A pool whose credentials come from a Secrets Manager secret. The secret is read on the first connection; when the
 * server then refuses the credentials (a rotation happened), the secret is read again at once and, if it changed,
 * a new pool replaces the old one (which closes once its connections are released) and the connection is retried
 * once. Several connections failing together share one re-read.
 */
export class SecretPool implements PostgresPool {
  private current?: Promise<OpenPool>;
  private readonly retired = new Set<Promise<void>>();
  private ended = false;

  constructor(
    private readonly source: Extract<DatabaseSource, { secretArn: string }>,
    private readonly createPool: PoolFactory,
    /** Where rotation events go; default a WARN line of the process-wide logger (with the invocation's request id). */
    private readonly log: (line: string) => void = (line) => logger.warn(line),
  ) {}

  /** Resolves the secret (from the cache unless `forceRefresh`) and opens a pool unless the current one already matches. */
  private open(forceRefresh: boolean): Promise<OpenPool> {
    const previous = this.current;
    const next = (async () => {
      const url = await resolveDatabaseUrl(this.source, { forceRefresh });
      const old = await previous?.catch(() => undefined);
      if (old && old.url === url) return old;
      if (old) this.retire(old.pool);
      return { url, pool: this.createPool(url) };
    })();
    this.current = next;
    // A failed open is not kept: the next connection tries again (the secret read is not cached either).
    next.catch(() => {
      if (this.current === next) this.current = undefined;
    });
    return next;
  }

  private retire(pool: PostgresPool): void {
    const ending = pool.end().catch((error: Error) => this.log(`database: closing the pool of the old credentials failed (${error.message})`));
    this.retired.add(ending);
    void ending.finally(() => this.retired.delete(ending));
  }

  async connect(): Promise<PostgresPoolClient> {
    if (this.ended) throw new Error('the database pool has been closed');
    const attempt = this.current ?? this.open(false);
    const { pool } = await attempt;
    try {
      return await pool.connect();
    } catch (error) {
      if (!isAuthFailure(error)) throw error;
      // Only the first caller to see this pool fail re-reads the secret; the others wait for that.
      const refreshed = this.current === attempt ? this.open(true) : (this.current ?? this.open(true));
      const fresh = await refreshed;
      this.log(
        fresh.pool === pool
          ? `database: the server refused the credentials (${(error as { code: string }).code}) and DATABASE_SECRET_ARN still holds the same ones`
          : `database: the server refused the credentials (${(error as { code: string }).code}); reconnecting with the rotated secret`,
      );
      return fresh.pool.connect();
    }
  }

  async end(): Promise<void> {
    this.ended = true;
    const open = await this.current?.catch(() => undefined);
    this.current = undefined;
    if (open) await open.pool.end();
    await Promise.all([...this.retired]);
  }
}
