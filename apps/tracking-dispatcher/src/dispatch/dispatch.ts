import { sendJsonMessages, type QueueRef } from '@bmx/aws-clients';
import type { Database, Kysely } from '@bmx/db';
import { correlationAttributes, METRIC_NAMES, MetricUnit, silentLog, type Log, type MetricsSink } from '@bmx/lambda-kit';
import type { TrackingMessage } from '../message';

/** Options for {@link dispatchTracking}. */
export interface DispatchOptions {
  /** Book ids per keyset page. Default 1000. */
  pageSize?: number;
  /** `SendMessageBatch` calls in flight at once. Default 4. */
  concurrency?: number;
  /** Times entries in `Failed[]` are sent again. Default 3. */
  retries?: number;
  log?: Log;
  /** Where the run's `BooksDispatched` / `BooksDispatchFailed` counts go (published by `withMetrics`). */
  metrics?: Pick<MetricsSink, 'addMetric'>;
  /** Sent as every message's `correlation_id` attribute, so the worker's lines name the run that sent them. */
  correlationId?: string;
}

/** What one dispatch run did. */
export interface DispatchResult {
  /** Messages SQS accepted. */
  dispatched: number;
  /** Messages that still failed after every retry (their book ids are logged). */
  failed: number;
}

/** One keyset page of tracked book ids after `afterId`, in id order. Uses the partial index books_tracking_active_idx. */
export async function selectTrackedPage(db: Kysely<Database>, afterId: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('books')
    .select('id')
    .where('tracking_active', '=', true)
    .where('tracking_number', 'is not', null)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Sends `{book_id}` for every actively tracked book. Pages by id (never OFFSET, never the whole table in memory),
 * and reads the next page while the current one is being sent, so the database and SQS overlap.
 */
export async function dispatchTracking(db: Kysely<Database>, queue: QueueRef, options: DispatchOptions = {}): Promise<DispatchResult> {
  const { pageSize = 1000, concurrency = 4, retries = 3, log = silentLog } = options;
  const attributes = correlationAttributes(options.correlationId);
  let dispatched = 0;
  let failed = 0;
  let next: Promise<number[]> = selectTrackedPage(db, 0, pageSize);
  for (;;) {
    const ids = await next;
    if (ids.length === 0) break;
    const lastId = ids[ids.length - 1] as number;
    const more = ids.length === pageSize;
    if (more) next = selectTrackedPage(db, lastId, pageSize);
    const messages: TrackingMessage[] = ids.map((id) => ({ book_id: id }));
    try {
      const result = await sendJsonMessages(queue, messages, { concurrency, retries, attributes });
      dispatched += result.sent;
      failed += result.failed.length;
      if (result.failed.length > 0) {
        log.error('tracking messages not sent', {
          count: result.failed.length,
          bookIds: result.failed.map((f) => ids[f.index]),
          code: result.failed[0]?.code,
          reason: result.failed[0]?.message,
        });
      }
    } catch (error) {
      // Only the queue lookup can throw here (a send failure is reported per entry): nothing of this run can go out.
      if (more) await next.catch(() => undefined);
      throw error;
    }
    if (!more) break;
  }
  log.info('tracking dispatch finished', { dispatched, failed });
  options.metrics?.addMetric(METRIC_NAMES.booksDispatched, MetricUnit.Count, dispatched);
  options.metrics?.addMetric(METRIC_NAMES.booksDispatchFailed, MetricUnit.Count, failed);
  return { dispatched, failed };
}
