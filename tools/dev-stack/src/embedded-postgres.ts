import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** An embedded PostgreSQL (PGlite) served over the wire protocol, so the API and local Lambdas share one database. */
export interface EmbeddedPostgres {
  /** `postgres://` URL on 127.0.0.1 to hand out as DATABASE_URL. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite on 127.0.0.1. It has one backend: connections take turns, so an open transaction makes the
 * others wait (fine for a local demo; tests use the real PostgreSQL server).
 */
export async function startEmbeddedPostgres(options: { dataDir?: string; port?: number } = {}): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(options.dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: options.port ?? 0, maxConnections: 32 } as ConstructorParameters<
    typeof PGLiteSocketServer
  >[0]);
  await server.start();
  const address = String((server as unknown as { getServerConn(): string }).getServerConn());
  const port = Number(address.split(':').pop());
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
