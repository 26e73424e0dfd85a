// The worker's core (processBatch) against PostgreSQL and the fake carriers; SQS visibility is a recorded stub
// here and real in tests/e2e.
import type { QueueRef } from '@bmx/aws-clients';
import { createTestDatabase, type TestDatabase } from '@bmx/db/testing';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createAdapters, loadCarriersConfig } from '../../src/carriers/config';
import { listTrackingEvents } from '@bmx/db';
import { captureOutput, emfLines, publishMetricSet, METRIC_NAMES, METRICS_NAMESPACE, recordingLog, type RecordedLine } from '@bmx/lambda-kit';
import { readCircuit } from '../../src/worker/circuit';
import { processBatch, type WorkerDeps } from '../../src/worker/process';
import { insertBooks } from '../support/books';
import { startFakeCarriers, type FakeCarriers } from '../support/fake-carriers';
import { dropTestDatabase } from '../support/db';

let testDb: TestDatabase;
let fake: FakeCarriers;
let now: Date;
let deferred: { queue: QueueRef; receiptHandle: string; until: Date }[];
let logs: RecordedLine[];
let deps: WorkerDeps;
const ARN = 'arn:aws:sqs:us-east-1:000000000000:tracking-unit';

function record(body: unknown, id = `m-${Math.random().toString(36).slice(2)}`): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {} as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: ARN,
    awsRegion: 'us-east-1',
  };
}
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const failedIds = async (event: SQSEvent, using: WorkerDeps = deps) => (await processBatch(using, event)).batchItemFailures.map((f) => f.itemIdentifier);

async function book(tracking_number: string | null, extra: Record<string, unknown> = {}): Promise<number> {
  const [id] = await insertBooks(testDb.db, [{ title: 'b', tracking_number, tracking_active: true, ...extra }]);
  return id!;
}
const row = (id: number) => testDb.db.selectFrom('books').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

beforeAll(async () => {
  testDb = await createTestDatabase('tracking_worker');
  fake = await startFakeCarriers();
});
afterAll(async () => {
  await fake.close();
  await dropTestDatabase(testDb);
});
beforeEach(async () => {
  await testDb.db.deleteFrom('carrier_circuits').execute();
  now = new Date('2026-11-24T12:00:00Z');
  deferred = [];
  const recorded = recordingLog();
  logs = recorded.lines;
  fake.requests.length = 0;
  fake.reply = () => ({ fixture: 'in-transit' });
  deps = {
    db: testDb.db,
    adapters: createAdapters(loadCarriersConfig({ ...fake.env, CARRIER_TIMEOUT_MS: '300' })),
    circuit: { failureThreshold: 3, openMs: 30 * 60_000 },
    deliveredGraceHours: 0,
    concurrency: 1,
    defer: async (queue, receiptHandle, until) => {
      deferred.push({ queue, receiptHandle, until });
      return Math.ceil((until.getTime() - now.getTime()) / 1000);
    },
    log: recorded.log,
    clock: () => now,
  };
});

describe('processBatch', () => {
  it('records a status change as an event and updates the book', async () => {
    const id = await book('1Z999AA10123456784');
    expect(await failedIds(batch(record({ book_id: id })))).toEqual([]);
    const b = await row(id);
    expect(b).toEqual(expect.objectContaining({ tracking_status: 'In Transit', tracking_carrier: 'ups', tracking_active: true }));
    expect(b.tracking_last_checked).toEqual(now);
    const events = await listTrackingEvents(testDb.db, id);
    expect(events).toEqual([expect.objectContaining({ book_id: id, carrier: 'ups', previous_status: null, status: 'In Transit' })]);

    // Same status again: checked, no new event.
    now = new Date(now.getTime() + 3_600_000);
    await failedIds(batch(record({ book_id: id })));
    expect((await row(id)).tracking_last_checked).toEqual(now);
    expect(await listTrackingEvents(testDb.db, id)).toHaveLength(1);
  });

  it('on Delivered sets tracking_delivered_at and, with no grace period, stops tracking', async () => {
    const id = await book('AB123456789GB', { tracking_status: 'In Transit' });
    fake.reply = () => ({ fixture: 'delivered' });
    expect(await failedIds(batch(record({ book_id: id })))).toEqual([]);
    expect(await row(id)).toEqual(expect.objectContaining({ tracking_status: 'Delivered', tracking_delivered_at: now, tracking_active: false }));
    expect((await listTrackingEvents(testDb.db, id)).map((e) => [e.previous_status, e.status])).toEqual([['In Transit', 'Delivered']]);
  });

  it('keeps checking a delivered parcel during the grace period, then stops', async () => {
    deps.deliveredGraceHours = 24;
    const id = await book('1234567890');
    fake.reply = () => ({ fixture: 'delivered' });
    const deliveredAt = now;
    await failedIds(batch(record({ book_id: id })));
    expect(await row(id)).toEqual(expect.objectContaining({ tracking_delivered_at: deliveredAt, tracking_active: true }));
    now = new Date(deliveredAt.getTime() + 23 * 3_600_000);
    await failedIds(batch(record({ book_id: id })));
    expect((await row(id)).tracking_active).toBe(true);
    now = new Date(deliveredAt.getTime() + 24 * 3_600_000);
    await failedIds(batch(record({ book_id: id })));
    expect(await row(id)).toEqual(expect.objectContaining({ tracking_delivered_at: deliveredAt, tracking_active: false }));
  });

  it('a carrier error is a failure and never overwrites the real status', async () => {
    const id = await book('123456789012', { tracking_status: 'Out for Delivery' });
    fake.reply = () => ({ status: 500, raw: '{}' });
    const msg = record({ book_id: id });
    expect(await failedIds(batch(msg))).toEqual([msg.messageId]);
    expect((await row(id)).tracking_status).toBe('Out for Delivery');
    expect((await row(id)).tracking_last_checked).toBeNull();
    expect(await listTrackingEvents(testDb.db, id)).toEqual([]);
    expect(logs.some((l) => l.level === 'error' && l.fields?.['kind'] === 'unavailable')).toBe(true);
  });

  it('an Unknown answer does not replace a known status', async () => {
    const id = await book('1234567890', { tracking_status: 'In Transit' });
    fake.reply = () => ({ status: 200, raw: JSON.stringify({ shipments: [{ status: { statusCode: 'unknown', status: 'UNKNOWN' } }] }) });
    expect(await failedIds(batch(record({ book_id: id })))).toEqual([]);
    expect((await row(id)).tracking_status).toBe('In Transit');
    expect(await listTrackingEvents(testDb.db, id)).toEqual([]);
  });

  it('acknowledges (does not retry) untracked books and numbers with no carrier', async () => {
    const noCarrier = await book('not-a-tracking-number');
    const inactive = await book('1234567890', { tracking_active: false });
    expect(await failedIds(batch(record({ book_id: noCarrier }), record({ book_id: inactive })))).toEqual([]);
    expect(fake.requests).toHaveLength(0);
    expect(logs.map((l) => l.message)).toEqual(
      expect.arrayContaining(['no carrier for tracking number; message acknowledged', 'book no longer tracked; message acknowledged']),
    );
  });

  it('reports a message for a book that does not exist, so it reaches the DLQ instead of vanishing', async () => {
    const unknown = record({ book_id: 99_999_999 });
    expect(await failedIds(batch(unknown))).toEqual([unknown.messageId]);
    expect(fake.requests).toHaveLength(0);
    expect(logs).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'error', message: 'book not found; message reported as failed' })]));
  });

  it('reports malformed messages as failures, with the reason logged', async () => {
    const bad = [record('not json'), record({ book: 1 }), record({ book_id: -3 }), record({ book_id: '7' })];
    expect((await failedIds(batch(...bad))).sort()).toEqual(bad.map((r) => r.messageId).sort());
    expect(logs.filter((l) => l.message === 'malformed message')).toHaveLength(4);
  });

  it('opens the circuit after 3 carrier failures and defers messages until it may retry, without calling the carrier', async () => {
    fake.reply = (carrier) => (carrier === 'fedex' ? { status: 503, raw: 'down' } : { fixture: 'in-transit' });
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await book(`12345678901${i}`));
    const dhl = await book('1234567890');
    const records = [...ids.map((id) => record({ book_id: id })), record({ book_id: dhl })];
    const failed = await failedIds(batch(...records));

    // All six FedEx messages fail; DHL goes through.
    expect(failed.sort()).toEqual(records.slice(0, 6).map((r) => r.messageId).sort());
    expect((await row(dhl)).tracking_status).toBe('In Transit');
    // Three calls opened the circuit; the third message and the three after it were deferred, not retried.
    expect(fake.requests.filter((r) => r.carrier === 'fedex')).toHaveLength(3);
    const openUntil = new Date(now.getTime() + 30 * 60_000);
    expect(await readCircuit(testDb.db, 'fedex')).toEqual({ failureCount: 3, openUntil });
    expect(deferred).toHaveLength(4);
    for (const d of deferred) {
      expect(d.queue).toEqual({ name: 'tracking-unit' });
      expect(d.until).toEqual(openUntil);
    }

    // After the open period a trial call goes out; a success closes the circuit.
    fake.reply = () => ({ fixture: 'in-transit' });
    now = new Date(openUntil.getTime() + 1000);
    expect(await failedIds(batch(record({ book_id: ids[0] })))).toEqual([]);
    expect(await readCircuit(testDb.db, 'fedex')).toEqual({ failureCount: 0, openUntil: null });
  });

  it('publishes carrier calls, latency, failures and the circuit opening as EMF, per carrier', async () => {
    fake.reply = (carrier) => (carrier === 'fedex' ? { status: 503, raw: 'down' } : { fixture: 'in-transit' });
    const fedex: number[] = [];
    for (let i = 0; i < 3; i++) fedex.push(await book(`22345678901${i}`));
    const dhl = await book('2234567890');
    const publishMetrics = (dimensions: Record<string, string>, values: Parameters<typeof publishMetricSet>[1]) => publishMetricSet(dimensions, values, { serviceName: 'tracking-worker' });
    const lines = await captureOutput(() => failedIds(batch(...[...fedex, dhl].map((id) => record({ book_id: id }))), { ...deps, publishMetrics }));
    const emf = emfLines(lines);
    expect(emf).toHaveLength(4);
    for (const line of emf) {
      expect(line._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: METRICS_NAMESPACE, Dimensions: [['service', 'carrier']] });
      expect(line[METRIC_NAMES.carrierCalls]).toBe(1);
      expect(line[METRIC_NAMES.carrierLatency]).toEqual(expect.any(Number));
    }
    const byCarrier = (carrier: string) => emf.filter((line) => line['carrier'] === carrier);
    expect(byCarrier('dhl')).toHaveLength(1);
    expect(byCarrier('dhl')[0]).not.toHaveProperty(METRIC_NAMES.carrierFailures);
    expect(byCarrier('fedex').map((line) => line[METRIC_NAMES.carrierFailures])).toEqual([1, 1, 1]);
    // The third failure (threshold 3) opened the circuit, and only it.
    expect(byCarrier('fedex').map((line) => line[METRIC_NAMES.carrierCircuitOpens] ?? 0)).toEqual([0, 0, 1]);
  });

  it('does not count an unknown tracking number against the carrier', async () => {
    fake.reply = () => ({ fixture: 'not-found' });
    const ids = await insertBooks(testDb.db, Array.from({ length: 4 }, (_, i) => ({ title: 'x', tracking_active: true, tracking_number: `AB12345678${i}GB` })));
    const failed = await failedIds(batch(...ids.map((id) => record({ book_id: id }))));
    expect(failed).toHaveLength(4);
    expect(await readCircuit(testDb.db, 'royal_mail')).toEqual({ failureCount: 0, openUntil: null });
    expect(deferred).toHaveLength(0);
  });

  it('reports a deferral it could not make as a plain failure', async () => {
    await testDb.db.insertInto('carrier_circuits').values({ carrier: 'usps', failure_count: 3, open_until: new Date(now.getTime() + 60_000) }).execute();
    deps.defer = async () => {
      throw new Error('SQS down');
    };
    const id = await book('9400111899223197428490');
    const msg = record({ book_id: id });
    expect(await failedIds(batch(msg))).toEqual([msg.messageId]);
    expect(fake.requests).toHaveLength(0);
    expect(logs.some((l) => l.message === 'could not extend message visibility')).toBe(true);
  });
});
