// The Lambda entry point (handler string `index.handler` in the bundle). Configuration, the database pool and the
// S3 client are set up once per execution environment, at init, and reused by every invocation.
import { connectPostgres } from '@bmx/db';
import { loadConfig } from './config';
import { logger } from './logger';
import { createSqsHandler, type ImageProcessorHandler } from './sqs-handler';
import { s3ImageStore } from './storage';

const config = loadConfig(process.env);
// From a secret, the pool reads the credentials on its first query and again if the server refuses them (rotation).
const db = connectPostgres(config.database, config.dbPoolSize);

/** SQS event → `{ batchItemFailures }`; `{ smoke_test: true }` → `{ ok: true }`. */
export const handler: ImageProcessorHandler = createSqsHandler({ db, store: s3ImageStore(config.imagesBucket), config, log: logger });
