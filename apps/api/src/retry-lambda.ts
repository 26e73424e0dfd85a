import { ConfigError } from '@bmx/aws-clients';
import { createDatabase, pingDatabase } from '@bmx/db';
import { logger, withLogger, withSmokeTest } from '@bmx/lambda-kit';
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
 * ones; the summary is returned and logged. A deploy's `{smoke_test: true}` checks configuration and the database.
 */
export const retryHandler = withLogger(
  withSmokeTest(
    async () => pingDatabase((await ready).db),
    async (): Promise<RetrySummary> => {
      const { config, db } = await ready;
      const summary = await retryQueueFailedJobs(db, { queue: config.imageJobsQueue, staleAfterSeconds: config.jobStaleAfterSeconds });
      logger.info('image job retry run', { ...summary });
      return summary;
    },
  ),
);
