// The scheduled (hourly) Lambda: one `{book_id}` message per actively tracked book.
import { connectPostgres, sql } from '@bmx/db';
import type { ScheduledEvent } from 'aws-lambda';
import { loadConfig } from './dispatch/config';
import { dispatchTracking, type DispatchResult } from './dispatch/dispatch';
import { jsonLogger } from './lib/log';
import { isSmokeTest } from './lib/smoke-test';

// Read at cold start: a bad or missing variable fails the init, not the first send.
const config = loadConfig(process.env);
// One pool per execution environment, reused by warm invocations; two connections (one page read ahead).
const db = connectPostgres(config.database, 2);
const log = jsonLogger('tracking-dispatcher');

/**
 * Lambda handler for the hourly schedule: returns how many messages went out and how many could not.
 * A `{"smoke_test": true}` event only checks the database answers, and sends nothing.
 */
export async function handler(event?: Partial<ScheduledEvent> | { smoke_test: true }): Promise<DispatchResult & { smokeTest?: true }> {
  if (isSmokeTest(event)) {
    await sql`select 1`.execute(db);
    return { dispatched: 0, failed: 0, smokeTest: true };
  }
  return dispatchTracking(db, config.queue, { pageSize: config.pageSize, concurrency: config.concurrency, log });
}
