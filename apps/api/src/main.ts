// The local server: `node --conditions=@bmx/source --import tsx apps/api/src/main.ts` (or the built bundle).
import { createApiKey } from './auth';
import { loadConfig } from './config';
import { startApiServer } from './server';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const api = await startApiServer({ config });
  const log = api.app.log;
  // Written whatever LOG_LEVEL says: the dev stack and the benchmarks wait for this line (as for the demo key's).
  process.stdout.write(`API listening on ${api.url} (docs: ${api.url}/docs, database: ${config.database ? 'PostgreSQL' : 'embedded PGlite'})\n`);

  // A demo key for local use, printed once: only its hash is stored.
  const seedRole = process.env['API_SEED_DEMO_KEY_ROLE']?.trim();
  if (seedRole) {
    const role = seedRole === 'viewer' || seedRole === 'editor' || seedRole === 'admin' ? seedRole : undefined;
    if (!role) throw new Error(`API_SEED_DEMO_KEY_ROLE: must be viewer, editor or admin, got "${seedRole}"`);
    const { key } = await createApiKey(api.db, { name: 'demo', role });
    process.stdout.write(`Demo API key (${role}), shown once: ${key}\n`);
  }

  const stop = async (signal: string) => {
    log.info(`${signal}: closing`);
    await api.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: Error) => {
  process.stderr.write(`API failed to start: ${error.message}\n`);
  process.exit(1);
});
