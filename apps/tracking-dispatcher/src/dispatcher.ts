// The scheduled (hourly) Lambda: one `{book_id}` message per actively tracked book.
import { connectPostgres } from '@bmx/db';
import type { ScheduledEvent } from 'aws-lambda';
import { loadConfig } from './dispatch/config';
import { dispatchTracking, type DispatchResult } from './dispatch/dispatch';
import { jsonLogger } from './lib/log';

// Read at cold start: a bad or missing variable fails the init, not the first send.
const config = loadConfig(process.env);
// One pool per execution environment, reused by warm invocations; two connections (one page read ahead).
const db = connectPostgres(config.databaseUrl, 2);
const log = jsonLogger('tracking-dispatcher');

/** Lambda handler for the hourly schedule: returns how many messages went out and how many could not. */
export async function handler(_event?: Partial<ScheduledEvent>): Promise<DispatchResult> {
  return dispatchTracking(db, config.queue, { pageSize: config.pageSize, concurrency: config.concurrency, log });
}
