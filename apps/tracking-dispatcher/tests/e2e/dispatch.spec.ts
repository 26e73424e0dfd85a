// The dispatcher's core against a real PostgreSQL database, with SQS stubbed so Failed[] entries can be forced.
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { resetAwsClients, resetQueueUrlCache } from '@bmx/aws-clients';
import { createTestDatabase, type TestDatabase } from '@bmx/db/testing';
import { captureOutput, CORRELATION_ID_ATTRIBUTE, createMetrics, emfLines, METRIC_NAMES, METRICS_NAMESPACE, withMetrics } from '@bmx/lambda-kit';
import { mockClient } from 'aws-sdk-client-mock';
import { dispatchTracking, selectTrackedPage } from '../../src/dispatch/dispatch';
import { insertBooks } from '../support/books';
import { dropTestDatabase } from '../support/db';

const sqs = mockClient(SQSClient);
let testDb: TestDatabase;
let trackedIds: number[];
const queue = { url: 'http://127.0.0.1:9/000000000000/tracking' };

beforeAll(async () => {
  testDb = await createTestDatabase('tracking_dispatch');
  const books = Array.from({ length: 57 }, (_, i) => ({
    title: `book ${i}`,
    // Every 4th book is not tracked, every 5th has no number: neither may be dispatched.
    tracking_active: i % 4 !== 0,
    tracking_number: i % 5 === 0 ? null : `1Z999AA1${String(i).padStart(10, '0')}`,
  }));
  const ids = await insertBooks(testDb.db, books);
  trackedIds = ids.filter((_, i) => i % 4 !== 0 && i % 5 !== 0);
});

afterAll(async () => {
  await dropTestDatabase(testDb);
  sqs.restore();
});

beforeEach(() => {
  sqs.reset();
  resetAwsClients();
  resetQueueUrlCache();
});

function sentBookIds(): number[] {
  return sqs
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry: SendMessageBatchRequestEntry) => (JSON.parse(entry.MessageBody as string) as { book_id: number }).book_id);
}

describe('selectTrackedPage', () => {
  it('pages by id over active books with a tracking number only', async () => {
    const first = await selectTrackedPage(testDb.db, 0, 10);
    const second = await selectTrackedPage(testDb.db, first[first.length - 1]!, 10);
    expect(first).toEqual(trackedIds.slice(0, 10));
    expect(second).toEqual(trackedIds.slice(10, 20));
  });
});

describe('dispatchTracking', () => {
  it('sends the run\'s correlation id on every message and publishes BooksDispatched as EMF', async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: 'x' })),
      Failed: [],
    }));
    const metrics = createMetrics({ serviceName: 'tracking-dispatcher', env: {} });
    const lines = await captureOutput(async () => {
      await withMetrics(() => dispatchTracking(testDb.db, queue, { pageSize: 100, metrics, correlationId: 'run-7' }), { metrics })(undefined, undefined);
    });
    const entries = sqs.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(entries).toHaveLength(trackedIds.length);
    for (const entry of entries) expect(entry.MessageAttributes).toEqual({ [CORRELATION_ID_ATTRIBUTE]: { DataType: 'String', StringValue: 'run-7' } });
    const [emf, ...more] = emfLines(lines);
    expect(more).toEqual([]);
    expect(emf?._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: METRICS_NAMESPACE, Dimensions: [['service']] });
    expect(emf).toMatchObject({ service: 'tracking-dispatcher', [METRIC_NAMES.booksDispatched]: trackedIds.length, [METRIC_NAMES.booksDispatchFailed]: 0 });
  });

  it('sends one {book_id} per tracked book in batches of 10, across pages', async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: 'x' })),
      Failed: [],
    }));
    // A page size that is not a multiple of 10 proves pages are not lost or repeated at their edges.
    const result = await dispatchTracking(testDb.db, queue, { pageSize: 7, concurrency: 3 });
    expect(result).toEqual({ dispatched: trackedIds.length, failed: 0 });
    expect(sentBookIds().sort((a, b) => a - b)).toEqual(trackedIds);
    for (const call of sqs.commandCalls(SendMessageBatchCommand)) expect(call.args[0].input.Entries!.length).toBeLessThanOrEqual(10);
  });

  it('retries only the Failed[] entries and counts the ones that never go through', async () => {
    const poisoned = trackedIds[3]!;
    const flaky = trackedIds[5]!;
    let flakyAttempts = 0;
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string; MessageBody: string }[] }) => {
      const Successful: { Id: string; MessageId: string; MD5OfMessageBody: string }[] = [];
      const Failed: { Id: string; Code: string; SenderFault: boolean; Message: string }[] = [];
      for (const entry of input.Entries) {
        const bookId = (JSON.parse(entry.MessageBody) as { book_id: number }).book_id;
        if (bookId === poisoned) Failed.push({ Id: entry.Id, Code: 'InternalError', SenderFault: false, Message: 'always' });
        else if (bookId === flaky && flakyAttempts++ === 0) Failed.push({ Id: entry.Id, Code: 'ServiceUnavailable', SenderFault: false, Message: 'once' });
        else Successful.push({ Id: entry.Id, MessageId: `m-${entry.Id}`, MD5OfMessageBody: 'x' });
      }
      return { Successful, Failed };
    });
    const result = await dispatchTracking(testDb.db, queue, { pageSize: 100, retries: 2 });
    expect(result).toEqual({ dispatched: trackedIds.length - 1, failed: 1 });
    const sent = sentBookIds();
    // First round sends everything once; retries carry only the failed entries.
    expect(sent.filter((id) => id === poisoned)).toHaveLength(3);
    expect(sent.filter((id) => id === flaky)).toHaveLength(2);
    expect(sent.filter((id) => id === trackedIds[0])).toHaveLength(1);
  });

  // Last: it switches tracking off for every book. (A second throw-away database here would be dropped while this
  // file's pool is live, and the forced drop can race the closing sockets of the one it ends.)
  it('returns zeros when nothing is tracked', async () => {
    await testDb.db.updateTable('books').set({ tracking_active: false }).execute();
    expect(await dispatchTracking(testDb.db, queue)).toEqual({ dispatched: 0, failed: 0 });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });
});
