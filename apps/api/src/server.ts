import { createDatabase, migrateToLatest, type Database, type Kysely } from '@bmx/db';
import { buildApp } from './app';
import type { ApiApp, AppDeps } from './app-deps';
import type { ApiConfig } from './config';

/** Options for {@link startApiServer}. */
export interface StartApiServerOptions {
  config: ApiConfig;
  /**
   * A database to use; when absent one is opened from the config (DATABASE_URL, else DATABASE_SECRET_ARN, else embedded
   * PGlite) and closed on `close()`.
   */
  db?: Kysely<Database>;
  /** Run the migrations before listening. Default true. */
  migrate?: boolean;
  logger?: AppDeps['logger'];
}

/** A listening API. */
export interface RunningApi {
  app: ApiApp;
  db: Kysely<Database>;
  /** `http://host:port`. */
  url: string;
  close(): Promise<void>;
}

/** Opens the database (unless given), migrates it, builds the app and listens on `config.host:config.port`. */
export async function startApiServer(options: StartApiServerOptions): Promise<RunningApi> {
  const { config } = options;
  const ownsDb = !options.db;
  const db = options.db ?? (await createDatabase({ source: config.database, pgliteDir: config.pgliteDir }));
  try {
    if (options.migrate ?? true) await migrateToLatest(db as Kysely<unknown>);
    const app = await buildApp({ db, config, logger: options.logger });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    return {
      app,
      db,
      url: `http://${config.host}:${port}`,
      async close() {
        await app.close();
        if (ownsDb) await db.destroy();
      },
    };
  } catch (error) {
    if (ownsDb) await db.destroy().catch(() => undefined);
    throw error;
  }
}
