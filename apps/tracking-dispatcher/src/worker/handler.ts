// The SQS-triggered Lambda: follows one parcel per `{book_id}` message (ReportBatchItemFailures).
import { connectPostgres, pingDatabase } from '@bmx/db';
import { logger as log, publishMetricSet, withLogger, withSmokeTest } from '@bmx/lambda-kit';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAdapters } from '../carriers/config';
import { withCarrierSecret } from './carrier-secret';
import { loadConfig } from './config';
import { processBatch, type WorkerDeps } from './process';

// Read once, on the first invocation (the carriers secret is read at run time): a missing variable or credential
// fails that invocation, and every one after it, before any message is touched.
async function start(): Promise<WorkerDeps> {
  const config = loadConfig(await withCarrierSecret(process.env));
  return {
    db: connectPostgres(config.database, 2),
    adapters: createAdapters(config.carriers),
    circuit: { failureThreshold: config.circuitFailureThreshold, openMs: config.circuitOpenMinutes * 60_000 },
    deliveredGraceHours: config.deliveredGraceHours,
    concurrency: config.concurrency,
    queue: config.queue,
    log,
    publishMetrics: publishMetricSet,
  };
}
let started: Promise<WorkerDeps> | undefined;
const workerDeps = () => (started ??= start());

/**
 * Lambda handler for the tracking queue's event-source mapping. The deploy's `{"smoke_test": true}` checks the
 * configuration (carriers secret included) reads and the database answers.
 */
export const handler = withLogger(
  withSmokeTest(
    async () => pingDatabase((await workerDeps()).db),
    // Not from the queue (a mistaken trigger or a manual test): processBatch logs it and answers no failures.
    async (event: SQSEvent): Promise<SQSBatchResponse> => processBatch(await workerDeps(), event),
  ),
);
