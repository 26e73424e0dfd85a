import type { QueueRef } from '@bmx/aws-clients';
import type { Database, Kysely } from '@bmx/db';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { carrierForBook, normaliseTrackingNumber } from '../carriers/detect';
import { CarrierError } from '../carriers/errors';
import type { CarrierAdapter, CarrierId } from '../carriers/types';
import { METRIC_NAMES, MetricUnit, silentLog, sqsBatch, type Log, type MetricSetPublisher, type MetricValue } from '@bmx/lambda-kit';
import { parseTrackingMessage, type TrackingMessage } from '../message';
import { applyTrackingResult } from './apply';
import { isOpen, readCircuit, recordFailure, recordSuccess, type CircuitPolicy } from './circuit';
import { deferMessage, queueOfRecord } from './visibility';

/** Everything the worker needs, injected so tests can give it a test database and a fake carrier. */
export interface WorkerDeps {
  db: Kysely<Database>;
  adapters: Partial<Record<CarrierId, CarrierAdapter>>;
  circuit: CircuitPolicy;
  /** Hours a Delivered parcel is still checked before tracking stops. */
  deliveredGraceHours: number;
  /** Messages of one batch processed at once. Default 4. */
  concurrency?: number;
  /** The queue to extend visibility on when a record has no `eventSourceARN`. */
  queue?: QueueRef;
  /** Hides a message until a time; default {@link deferMessage}. */
  defer?: (queue: QueueRef, receiptHandle: string, until: Date, now: Date) => Promise<number>;
  log?: Log;
  /** Writes each carrier call's metrics (calls, latency, failures, circuit opens) as one line with a `carrier` dimension. */
  publishMetrics?: MetricSetPublisher;
  clock?: () => Date;
}

/** One carrier call's metrics, under its own `carrier` dimension (a batch mixes carriers). */
function recordCarrierCall(deps: WorkerDeps, carrier: CarrierId, latencyMs: number, outcome: 'ok' | 'failed' | 'opened'): void {
  if (!deps.publishMetrics) return;
  const values: MetricValue[] = [
    { name: METRIC_NAMES.carrierCalls, unit: MetricUnit.Count, value: 1 },
    { name: METRIC_NAMES.carrierLatency, unit: MetricUnit.Milliseconds, value: Math.round(latencyMs) },
  ];
  if (outcome !== 'ok') values.push({ name: METRIC_NAMES.carrierFailures, unit: MetricUnit.Count, value: 1 });
  if (outcome === 'opened') values.push({ name: METRIC_NAMES.carrierCircuitOpens, unit: MetricUnit.Count, value: 1 });
  deps.publishMetrics({ carrier }, values);
}

/** What happened to one message. `failed` and `deferred` are reported to SQS as batch item failures. */
export type RecordOutcome = 'updated' | 'acknowledged' | 'failed' | 'deferred';

async function deferUntilRetry(deps: WorkerDeps, record: SQSRecord, carrier: CarrierId, until: Date, now: Date, log: Log): Promise<RecordOutcome> {
  const queue = queueOfRecord(record.eventSourceARN, deps.queue);
  if (!queue) {
    log.error('circuit open but the queue is unknown; the message will come back after its visibility timeout', { messageId: record.messageId, carrier });
    return 'failed';
  }
  try {
    const seconds = await (deps.defer ?? deferMessage)(queue, record.receiptHandle, until, now);
    log.warn('carrier circuit open: message deferred', { messageId: record.messageId, carrier, visibilitySeconds: seconds, retryAt: until.toISOString() });
    return 'deferred';
  } catch (error) {
    log.error('could not extend message visibility', { messageId: record.messageId, carrier, error: (error as Error).message });
    return 'failed';
  }
}

/** Processes one message: load the book, ask its carrier (through the circuit breaker), record the answer. */
export async function processRecord(deps: WorkerDeps, message: TrackingMessage, record: SQSRecord): Promise<RecordOutcome> {
  const log = deps.log ?? silentLog;
  const clock = deps.clock ?? (() => new Date());
  const bookId = message.book_id;
  const book = await deps.db
    .selectFrom('books')
    .select(['id', 'tracking_number', 'tracking_carrier', 'tracking_active'])
    .where('id', '=', bookId)
    .executeTakeFirst();
  if (!book) {
    // The dispatcher only sends books that exist, so an unknown id means a wrong producer (another environment, a
    // hand-sent message) or a book deleted in the meantime: reported, so it ends in the DLQ where someone can look,
    // rather than vanishing.
    log.error('book not found; message reported as failed', { messageId: record.messageId, bookId });
    return 'failed';
  }
  if (!book.tracking_active || !book.tracking_number) {
    log.info('book no longer tracked; message acknowledged', { messageId: record.messageId, bookId });
    return 'acknowledged';
  }
  const carrier = carrierForBook(book);
  if (!carrier) {
    log.warn('no carrier for tracking number; message acknowledged', { messageId: record.messageId, bookId, carrierField: book.tracking_carrier });
    return 'acknowledged';
  }
  const adapter = deps.adapters[carrier];
  if (!adapter) {
    log.warn('carrier not enabled (TRACKING_CARRIERS); message acknowledged', { messageId: record.messageId, bookId, carrier });
    return 'acknowledged';
  }

  const circuit = await readCircuit(deps.db, carrier);
  if (isOpen(circuit, clock())) return deferUntilRetry(deps, record, carrier, circuit.openUntil as Date, clock(), log);

  let result;
  const started = performance.now();
  try {
    result = await adapter.track(normaliseTrackingNumber(book.tracking_number));
  } catch (error) {
    const latencyMs = performance.now() - started;
    if (!(error instanceof CarrierError)) {
      recordCarrierCall(deps, carrier, latencyMs, 'failed');
      log.error('carrier adapter failed unexpectedly', { messageId: record.messageId, bookId, carrier, error: (error as Error).message });
      return 'failed';
    }
    log.error('carrier call failed', { messageId: record.messageId, bookId, carrier, kind: error.kind, httpStatus: error.httpStatus, error: error.message });
    if (!error.countsAgainstCarrier) {
      recordCarrierCall(deps, carrier, latencyMs, 'failed');
      return 'failed';
    }
    const now = clock();
    const state = await recordFailure(deps.db, carrier, deps.circuit, now);
    // The circuit was closed when this call was let through, so an open one now was opened by this failure.
    const opened = isOpen(state, now);
    recordCarrierCall(deps, carrier, latencyMs, opened ? 'opened' : 'failed');
    if (opened) log.warn('carrier circuit opened', { carrier, openUntil: (state.openUntil as Date).toISOString(), failures: state.failureCount });
    // The failure that opens the circuit defers its own message too: it would only meet the open circuit next time.
    if (opened) return deferUntilRetry(deps, record, carrier, state.openUntil as Date, now, log);
    return 'failed';
  }
  recordCarrierCall(deps, carrier, performance.now() - started, 'ok');

  const now = clock();
  await recordSuccess(deps.db, carrier, now);
  const outcome = await applyTrackingResult(deps.db, bookId, carrier, result, { now, graceHours: deps.deliveredGraceHours });
  if (outcome.changed || outcome.stopped) {
    log.info('tracking updated', { bookId, carrier, status: result.status, changed: outcome.changed, stopped: outcome.stopped });
  }
  return 'updated';
}

/**
 * Processes an SQS batch and reports the messages to retry (`ReportBatchItemFailures`), on `sqsBatch` of
 * @bmx/lambda-kit: `deps.concurrency` records at once, a malformed one reported, each record's lines with the
 * dispatcher run's correlation id. Never throws: an error in one message fails that message only.
 */
export function processBatch(deps: WorkerDeps, event: SQSEvent): Promise<SQSBatchResponse> {
  return sqsBatch<TrackingMessage>(
    async (message, { record, log }) => {
      const outcome = await processRecord({ ...deps, log }, message, record);
      return outcome === 'failed' || outcome === 'deferred' ? 'retry' : 'done';
    },
    { parse: parseTrackingMessage, concurrency: deps.concurrency ?? 4, log: deps.log },
  )(event);
}
