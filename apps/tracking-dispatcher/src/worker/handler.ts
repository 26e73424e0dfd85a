// The SQS-triggered Lambda: follows one parcel per `{book_id}` message (ReportBatchItemFailures).
import { connectPostgres, pingDatabase } from '@bmx/db';
import { logger as log, publishMetricSet, withLogger, withSmokeTest } from '@bmx/lambda-kit';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAdapters } from '../carriers/config';
import { loadConfig } from './config';
import { processBatch, type WorkerDeps } from './process';

// Read at cold start: a missing variable or credential fails the init, not a message.
const config = loadConfig(process.env);
const deps: WorkerDeps = {
  db: connectPostgres(config.database, 2),
  adapters: createAdapters(config.carriers),
  circuit: { failureThreshold: config.circuitFailureThreshold, openMs: config.circuitOpenMinutes * 60_000 },
  deliveredGraceHours: config.deliveredGraceHours,
  concurrency: config.concurrency,
  queue: config.queue,
  log,
  publishMetrics: publishMetricSet,
};

/**
 * Lambda handler for the tracking queue's event-source mapping. The deploy's `{"smoke_test": true}` only checks the
 * database answers.
 */
export const handler = withLogger(
  withSmokeTest(
    () => pingDatabase(deps.db),
    // Not from the queue (a mistaken trigger or a manual test): processBatch logs it and answers no failures.
    (event: SQSEvent): Promise<SQSBatchResponse> => processBatch(deps, event),
  ),
);
