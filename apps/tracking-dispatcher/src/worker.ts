// The SQS-triggered Lambda: follows one parcel per `{book_id}` message (ReportBatchItemFailures).
import { connectPostgres } from '@bmx/db';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAdapters } from './carriers/config';
import { jsonLogger } from './lib/log';
import { isSmokeTest } from './lib/smoke-test';
import { loadConfig } from './worker/config';
import { processBatch, type WorkerDeps } from './worker/process';

// Read at cold start: a missing variable or credential fails the init, not a message.
const config = loadConfig(process.env);
const deps: WorkerDeps = {
  db: connectPostgres(config.database, 2),
  adapters: createAdapters(config.carriers),
  circuit: { failureThreshold: config.circuitFailureThreshold, openMs: config.circuitOpenMinutes * 60_000 },
  deliveredGraceHours: config.deliveredGraceHours,
  concurrency: config.concurrency,
  queue: config.queue,
  log: jsonLogger('tracking-worker'),
};

/** Lambda handler for the tracking queue's event-source mapping. `{"smoke_test": true}` answers without work. */
export async function handler(event: SQSEvent | { smoke_test: true }): Promise<SQSBatchResponse> {
  if (isSmokeTest(event) || !('Records' in event)) return { batchItemFailures: [] };
  return processBatch(deps, event);
}
