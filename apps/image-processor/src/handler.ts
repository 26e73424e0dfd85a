// The Lambda entry point (handler string `index.handler` in the bundle). Configuration, the database pool and the
// S3 client are set up once per execution environment, at init, and reused by every invocation.
import { connectPostgres, pingDatabase } from '@bmx/db';
import { logger, metrics, withLogger, withMetrics, withSmokeTest } from '@bmx/lambda-kit';
import { loadConfig } from './config';
import { createSqsHandler } from './sqs-handler';
import { s3ImageStore } from './storage';

const config = loadConfig(process.env);
// From a secret, the pool reads the credentials on its first query and again if the server refuses them (rotation).
const db = connectPostgres(config.database, config.dbPoolSize);

/**
 * SQS event → `{ batchItemFailures }`. The deploy's `{ smoke_test: true }` gets `{ smoke_test: 'ok' }` once the
 * database accepted this version's credentials (a bad secret or URL fails the smoke test, and the deploy keeps
 * `live` where it was).
 */
export const handler = withLogger(
  withMetrics(withSmokeTest(() => pingDatabase(db), createSqsHandler({ db, store: s3ImageStore(config.imagesBucket), config, log: logger, metrics }))),
);
