import { ConfigError } from '@bmx/aws-clients';
import { createDatabase, sql } from '@bmx/db';
import { loadConfig } from './config';
import { retryQueueFailedJobs, type RetrySummary } from './services/jobs';

const ready = (async () => {
  const config = loadConfig(process.env);
  if (!config.database) throw new ConfigError('DATABASE_URL', 'is required in Lambda (or DATABASE_SECRET_ARN)');
  return { config, db: await createDatabase({ source: config.database, poolSize: 1 }) };
})();
ready.catch(() => undefined);

/**
 * Scheduled (every 5 minutes) entry point: resends `queue_failed` image jobs and resets stuck `processing`
 * ones; the summary is returned and logged. A deploy's `{smoke_test: true}` only checks configuration and the
 * database.
 */
export async function retryHandler(event?: { smoke_test?: boolean }): Promise<RetrySummary | { smoke_test: 'ok' }> {
  const { config, db } = await ready;
  if (event?.smoke_test) {
    await sql`SELECT 1`.execute(db);
    return { smoke_test: 'ok' };
  }
  const summary = await retryQueueFailedJobs(db, { queue: config.imageJobsQueue, processingTimeoutMinutes: config.processingTimeoutMinutes });
  console.log(JSON.stringify({ message: 'image job retry run', ...summary }));
  return summary;
}
