import { PGlite } from '@electric-sql/pglite';
import { servePglite } from './pglite-server';

/** An embedded PostgreSQL (PGlite) served over the wire protocol, so the API and local Lambdas share one database. */
export interface EmbeddedPostgres {
  /** `postgres://` URL on 127.0.0.1 to hand out as DATABASE_URL. */
  url: string;
  /** Settles when the database has failed (it then refuses every connection); never settles otherwise. */
  failed: Promise<Error>;
  stop(): Promise<void>;
}

/**
 * Starts PGlite on 127.0.0.1. It has one backend: connections take turns, a whole exchange (and a whole
 * transaction) at a time, so an open transaction makes the others wait; one left idle in a transaction for 30 s is
 * closed. Fine for a local system; tests and deployments use PostgreSQL.
 */
export async function startEmbeddedPostgres(options: { dataDir?: string; port?: number; log?: (line: string) => void } = {}): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(options.dataDir);
  const server = await servePglite(db, { port: options.port ?? 0, log: options.log });
  return {
    url: `postgres://postgres@127.0.0.1:${server.port}/postgres`,
    failed: server.failed,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
