// The scheduled (hourly) Lambda: one `{book_id}` message per actively tracked book.
import { connectPostgres, pingDatabase } from '@bmx/db';
import {
  CORRELATION_ID_ATTRIBUTE,
  logger as log,
  metrics,
  withLogger,
  withMetrics,
  withSmokeTest,
} from '@bmx/lambda-kit';
import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { loadConfig } from './config';
import { dispatchTracking, type DispatchResult } from './dispatch';

// Read at cold start: a bad or missing variable fails the init, not the first send.
const config = loadConfig(process.env);
// One pool per execution environment, reused by warm invocations; two connections (one page read ahead).
const db = connectPostgres(config.database, 2);

/**
 * Lambda handler for the hourly schedule: returns how many messages went out and how many could not.
 * The deploy's `{"smoke_test": true}` only checks the database answers, and sends nothing.
 */
export const handler = withLogger(
  withMetrics(
    withSmokeTest(
      () => pingDatabase(db),
      (_event?: Partial<ScheduledEvent>): Promise<DispatchResult> => {
        // One id per run: on this run's lines and on every message it sends, so the worker's lines name the run.
        const correlationId = randomUUID();
        log.appendKeys({ [CORRELATION_ID_ATTRIBUTE]: correlationId });
        return dispatchTracking(db, config.queue, {
          pageSize: config.pageSize,
          concurrency: config.concurrency,
          log,
          metrics,
          correlationId,
        });
      },
    ),
  ),
);
