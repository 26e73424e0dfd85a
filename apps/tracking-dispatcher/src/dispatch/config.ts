import { queueRefFromEnv, type QueueRef } from '@bmx/aws-clients';
import { databaseSourceFromEnv, type DatabaseSource } from '@bmx/db';
import { readInteger } from '@bmx/lambda-kit';

/** The dispatcher's configuration, read once at start-up by {@link loadConfig}. */
export interface DispatcherConfig {
  /**
   * `DATABASE_URL`, else `DATABASE_SECRET_ARN` (a Secrets Manager secret with the credentials): the collection
   * database. One is required (a Lambda has no use for the embedded database).
   */
  database: DatabaseSource;
  /** `TRACKING_QUEUE_URL`, else `TRACKING_QUEUE_NAME`: where `{book_id}` messages go. Required. */
  queue: QueueRef;
  /** `DISPATCH_PAGE_SIZE`: book ids read per database round trip (keyset page). Default 1000. */
  pageSize: number;
  /** `DISPATCH_CONCURRENCY`: `SendMessageBatch` calls in flight at once. Default 4. */
  concurrency: number;
}

/**
 * Reads and checks the dispatcher's environment. Throws `ConfigError` naming the variable at fault, so a missing
 * queue fails the cold start rather than the first send.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): DispatcherConfig {
  return {
    database: databaseSourceFromEnv(env, { required: true }),
    queue: queueRefFromEnv('TRACKING', env),
    pageSize: readInteger(env, 'DISPATCH_PAGE_SIZE', 1000, { min: 1, max: 100_000 }),
    concurrency: readInteger(env, 'DISPATCH_CONCURRENCY', 4, { min: 1, max: 64 }),
  };
}
