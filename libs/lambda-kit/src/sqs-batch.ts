// One SQS batch loop for every queue-triggered Lambda (ReportBatchItemFailures): records parsed by the message's own
// contract, processed a few at a time, each with its producer's correlation id on its log lines; a record that
// cannot be parsed, that throws or that asks to come back is reported in batchItemFailures, so it is retried and ends
// in the dead-letter queue rather than being deleted, and no record fails its neighbours.
import { runBounded } from '@bmx/aws-clients';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { CORRELATION_ID_ATTRIBUTE, correlationIdOf, logWith } from './correlation';
import { errorFields, silentLog, type Log } from './logger';

/** A message body's contract: the message, or why the body is not one. Never throws. */
export type MessageParser<T> = (body: string) => { ok: true; message: T } | { ok: false; reason: string };

/** What a record handler tells the batch: `retry` reports the record as failed so SQS delivers it again. */
export type RecordVerdict = 'done' | 'retry';

/** What a record handler gets besides its message. */
export interface RecordContext {
  record: SQSRecord;
  /** The batch's log with this record's `correlation_id`, when the producer sent one. */
  log: Log;
}

/** Options of {@link sqsBatch}. */
export interface SqsBatchOptions<T> {
  /** Parses each record's body (the message contract); a body it refuses is reported, never dropped. */
  parse: MessageParser<T>;
  /** Records of one batch processed at once. Default 1: one after another, in order. */
  concurrency?: number;
  /** Where the batch's own lines go (a malformed record, a thrown error, a non-SQS event). Default: nowhere. */
  log?: Log;
  /** Called for each record whose body did not parse, after it was logged (a metric, say). */
  onMalformed?: (record: SQSRecord, reason: string) => void;
  /** Called for each record whose handler threw, after it was logged. */
  onError?: (record: SQSRecord, error: unknown) => void;
}

/** The Records of an SQS event; undefined for anything else. */
export function sqsRecordsOf(event: unknown): SQSRecord[] | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const records = (event as { Records?: unknown }).Records;
  return Array.isArray(records) ? (records as SQSRecord[]) : undefined;
}

/**
 * Wraps a per-message handler into an SQS Lambda handler with partial batch failures. The handler resolves `done`
 * (or nothing) to delete the message, `retry` to report it; a throw reports it too, logged with the error. An event
 * without Records (a mistaken trigger, a manual test) is logged and answers no failures. For standard queues: a
 * FIFO queue would need the batch to stop at its first failure.
 */
export function sqsBatch<T>(
  handler: (message: T, context: RecordContext) => Promise<RecordVerdict | void>,
  options: SqsBatchOptions<T>,
): (event: unknown) => Promise<SQSBatchResponse> {
  const { parse, concurrency = 1, log = silentLog, onMalformed, onError } = options;
  return async (event) => {
    const records = sqsRecordsOf(event);
    if (!records) {
      log.error('event is not an SQS event; nothing to process', { eventType: typeof event });
      return { batchItemFailures: [] };
    }
    const failed = new Set<string>();
    await runBounded(records, concurrency, async (record) => {
      const correlationId = correlationIdOf(record);
      const recordLog = correlationId ? logWith(log, { [CORRELATION_ID_ATTRIBUTE]: correlationId }) : log;
      const parsed = parse(typeof record.body === 'string' ? record.body : '');
      if (!parsed.ok) {
        recordLog.error('malformed message', { messageId: record.messageId, reason: parsed.reason });
        onMalformed?.(record, parsed.reason);
        failed.add(record.messageId);
        return;
      }
      try {
        if ((await handler(parsed.message, { record, log: recordLog })) === 'retry') failed.add(record.messageId);
      } catch (error) {
        recordLog.error('message failed; it will be retried', { messageId: record.messageId, ...errorFields(error) });
        onError?.(record, error);
        failed.add(record.messageId);
      }
    });
    // In the batch's order, whatever order the records finished in.
    const batchItemFailures: SQSBatchItemFailure[] = records.filter((r) => failed.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId }));
    return { batchItemFailures };
  };
}
