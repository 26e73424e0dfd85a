// Dispatcher → local SQS → worker → PostgreSQL, with both handlers deployed from the app's synthesized stack to the
// local Lambda server (deployForTest: the stack's queue, DLQ and mapping on `live`; the database and the carriers'
// settings read from their secrets by ARN) and the carriers played by a fake on 127.0.0.1. One flow, in order: 1,000 books tracked; delivered
// parcels stop being dispatched; a carrier outage opens its circuit and nothing reaches the DLQ while it is open;
// poison messages of every shape are reported and dead-lettered while good ones beside them are tracked.
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SendMessageCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { getLambdaClient, getSqsClient, invokeJson, LambdaFunctionError, resetAwsClients } from '@bmx/aws-clients';
import { databaseSecretFromUrl, sql } from '@bmx/db';
import { createTestDatabase, type TestDatabase } from '@bmx/db/testing';
import { deployAllForTest, type TestDeployment } from '@bmx/deploy/testing';
import { collectMessages, queueDepth, waitFor } from '@bmx/local-aws';
import type { CarrierId } from '../../src/carriers/types';
import type { DispatchResult } from '../../src/dispatch/dispatch';
import { listTrackingEvents } from '@bmx/db';
import { readCircuit } from '../../src/worker/circuit';
import { insertBooks } from '../support/books';
import { startFakeCarriers, type FakeCarriers, type FakeReply } from '../support/fake-carriers';
import { dropTestDatabase } from '../support/db';

jest.setTimeout(120_000);

const names = { dispatcher: '', worker: '', noQueueDispatcher: '' };
const BOOKS_PER_CARRIER = 200;
const VISIBILITY_SECONDS = 3;
/** The whole flow's waits: 1,000 books through a 2-core machine. */
const FLOW = { timeoutMs: 60_000 };

/** A valid, unique number of each carrier's format for book `i`. */
const NUMBER: Record<CarrierId, (i: number) => string> = {
  ups: (i) => `1Z999AA1${String(i).padStart(10, '0')}`,
  usps: (i) => `9400${String(i).padStart(18, '0')}`,
  fedex: (i) => `7${String(i).padStart(11, '0')}`,
  dhl: (i) => `3${String(i).padStart(9, '0')}`,
  royal_mail: (i) => `AB${String(i).padStart(9, '0')}GB`,
};
const CARRIER_ORDER: CarrierId[] = ['ups', 'usps', 'fedex', 'dhl', 'royal_mail'];

let testDb: TestDatabase;
let fake: FakeCarriers;
let queue: { url: string; arn: string; dlqUrl: string; dlqArn: string };
let deployments: TestDeployment[] = [];
const idsByCarrier = {} as Record<CarrierId, number[]>;
let carrierReplies: Partial<Record<CarrierId, FakeReply>> = {};

async function queueDepths(url: string): Promise<{ visible: number; inFlight: number }> {
  const out = await getSqsClient().send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(out.Attributes?.['ApproximateNumberOfMessages']), inFlight: Number(out.Attributes?.['ApproximateNumberOfMessagesNotVisible']) };
}

/** Books checked at or after `since`. */
async function checkedSince(since: Date, ids?: number[]): Promise<number> {
  let query = testDb.db.selectFrom('books').select((eb) => eb.fn.countAll<string>().as('n')).where('tracking_last_checked', '>=', since);
  if (ids) query = query.where('id', 'in', ids);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

const dispatch = () => invokeJson<DispatchResult>(names.dispatcher, { source: 'aws.events', 'detail-type': 'Scheduled Event' }, { profile: 'longCall' });

beforeAll(async () => {
  resetAwsClients();
  [testDb, fake] = await Promise.all([createTestDatabase('tracking_e2e'), startFakeCarriers()]);
  fake.reply = (carrier) => carrierReplies[carrier] ?? { fixture: 'in-transit' };

  const secrets = {
    database: databaseSecretFromUrl(testDb.url),
    // The carriers' base URLs and credentials are the fake's: the worker reads them from its secret, as on AWS.
    'tracking-carriers': JSON.stringify(fake.env),
  };
  // The test fires the dispatcher itself: its hourly schedule is deployed disabled, so no run comes in between.
  const dispatcher = { environment: { DISPATCH_PAGE_SIZE: '300' }, timeout: 60, schedule: { expression: 'rate(1 hour)', enabled: false } };
  deployments = await deployAllForTest([
    {
      app: 'tracking-dispatcher',
      overrides: {
        dispatcher,
        worker: { environment: { TRACKING_DELIVERED_GRACE_HOURS: '0', CARRIER_TIMEOUT_MS: '2000', TRACKING_WORKER_CONCURRENCY: '4' }, timeout: 30 },
      },
      secrets,
    },
    // A dispatcher that has no queue to send to: its start-up fails, so its smoke test does, and it never gets `live`.
    { app: 'tracking-dispatcher', only: ['dispatcher'], overrides: { dispatcher: { ...dispatcher, environment: { TRACKING_QUEUE_NAME: '' } } }, secrets, requireSmokeTests: false },
  ]);
  const [flow, noQueue] = deployments as [TestDeployment, TestDeployment];
  names.dispatcher = flow.functionName('dispatcher');
  names.worker = flow.functionName('worker');
  names.noQueueDispatcher = noQueue.functionName('dispatcher');
  queue = await flow.triggerQueue('worker');
  // The stack's queue hides a message for 6 × the worker's timeout and dead-letters it after 12 receives; here 3 s
  // and 3, so redeliveries and the DLQ happen within the test.
  await getSqsClient().send(
    new SetQueueAttributesCommand({
      QueueUrl: queue.url,
      Attributes: { VisibilityTimeout: String(VISIBILITY_SECONDS), RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queue.dlqArn, maxReceiveCount: 3 }) },
    }),
  );

  for (const carrier of CARRIER_ORDER) {
    idsByCarrier[carrier] = await insertBooks(
      testDb.db,
      Array.from({ length: BOOKS_PER_CARRIER }, (_, i) => ({ title: `${carrier} ${i}`, tracking_number: NUMBER[carrier](i), tracking_active: true })),
    );
  }
}, 300_000);

afterAll(async () => {
  // Retire the functions (and their warm processes' connections) before the database goes.
  for (const deployment of deployments) await deployment.remove();
  await fake?.close();
  await dropTestDatabase(testDb);
  resetAwsClients();
});

it('tracks 1,000 books: dispatcher → SQS → worker → database, with the history the API can list', async () => {
  const start = new Date(Date.now() - 1000);
  await expect(dispatch()).resolves.toEqual({ dispatched: 1000, failed: 0 });
  await waitFor('1,000 books checked', async () => (await checkedSince(start)) === 1000, FLOW);

  const statuses = await testDb.db.selectFrom('books').select(['tracking_status', 'tracking_carrier']).execute();
  expect(statuses.every((b) => b.tracking_status === 'In Transit')).toBe(true);
  expect(new Set(statuses.map((b) => b.tracking_carrier))).toEqual(new Set(CARRIER_ORDER));
  const events = await testDb.db.selectFrom('tracking_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  expect(Number(events.n)).toBe(1000);
  const history = await listTrackingEvents(testDb.db, idsByCarrier.royal_mail[0]!);
  expect(history).toEqual([expect.objectContaining({ carrier: 'royal_mail', previous_status: null, status: 'In Transit' })]);
  await waitFor('queue drained', async () => (await queueDepth(queue.url)) === 0, FLOW);
});

it('stops dispatching delivered parcels', async () => {
  carrierReplies = { dhl: { fixture: 'delivered' } };
  const start = new Date();
  await expect(dispatch()).resolves.toEqual({ dispatched: 1000, failed: 0 });
  await waitFor('1,000 books checked again', async () => (await checkedSince(start)) === 1000, FLOW);

  const dhl = await testDb.db.selectFrom('books').selectAll().where('id', 'in', idsByCarrier.dhl).execute();
  for (const b of dhl) {
    expect(b.tracking_status).toBe('Delivered');
    expect(b.tracking_delivered_at).toBeInstanceOf(Date);
    expect(b.tracking_active).toBe(false);
  }
  const history = await listTrackingEvents(testDb.db, idsByCarrier.dhl[0]!);
  expect(history.map((e) => [e.previous_status, e.status])).toEqual([
    [null, 'In Transit'],
    ['In Transit', 'Delivered'],
  ]);
  await waitFor('queue drained', async () => (await queueDepth(queue.url)) === 0, FLOW);
});

it('a carrier outage opens its circuit; its messages wait in flight and none reach the DLQ', async () => {
  carrierReplies = { ups: { status: 503, raw: '{"message":"Service Unavailable"}' } };
  fake.requests.length = 0;
  const start = new Date();
  // Delivered DHL parcels are no longer selected.
  await expect(dispatch()).resolves.toEqual({ dispatched: 800, failed: 0 });

  const others = [...idsByCarrier.usps, ...idsByCarrier.fedex, ...idsByCarrier.royal_mail];
  await waitFor('the other carriers checked', async () => (await checkedSince(start, others)) === others.length, FLOW);
  await waitFor('every UPS message deferred', async () => {
    const d = await queueDepths(queue.url);
    return d.visible === 0 && d.inFlight === BOOKS_PER_CARRIER;
  }, FLOW);
  const circuit = await readCircuit(testDb.db, 'ups');
  expect(circuit.failureCount).toBeGreaterThanOrEqual(3);
  expect(circuit.openUntil!.getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);

  // Several visibility timeouts later (maxReceiveCount is 3): still in flight, still nothing in the DLQ.
  await new Promise((resolve) => setTimeout(resolve, 4 * VISIBILITY_SECONDS * 1000));
  expect(await queueDepths(queue.dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
  expect(await queueDepths(queue.url)).toEqual({ visible: 0, inFlight: BOOKS_PER_CARRIER });

  // Only the calls that opened the circuit reached UPS (a few more can be in flight in one batch at that moment).
  const upsCalls = fake.requests.filter((r) => r.carrier === 'ups').length;
  expect(upsCalls).toBeGreaterThanOrEqual(3);
  expect(upsCalls).toBeLessThan(10);
  // The outage never overwrote a status.
  const ups = await testDb.db.selectFrom('books').select('tracking_status').where('id', 'in', idsByCarrier.ups).execute();
  expect(ups.every((b) => b.tracking_status === 'In Transit')).toBe(true);
  const upsEvents = await testDb.db
    .selectFrom('tracking_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('carrier', '=', 'ups')
    .where(sql<boolean>`status <> 'In Transit'`)
    .executeTakeFirstOrThrow();
  expect(Number(upsEvents.n)).toBe(0);
});

it('answers the deploy smoke test without sending anything', async () => {
  const before = await queueDepths(queue.url);
  await expect(invokeJson(names.dispatcher, { smoke_test: true })).resolves.toEqual({ smoke_test: 'ok' });
  await expect(invokeJson(names.worker, { smoke_test: true })).resolves.toEqual({ smoke_test: 'ok' });
  expect(await queueDepths(queue.url)).toEqual(before);
});

it('a dispatcher without queue configuration fails at start-up, naming the variable, and never gets live', async () => {
  const [result] = deployments[1]!.results.flatMap((stack) => stack.functions);
  expect(result).toMatchObject({ name: names.noQueueDispatcher, smokeTest: 'failed', error: expect.stringMatching(/TRACKING_QUEUE_URL/) });
  await expect(getLambdaClient().send(new GetAliasCommand({ FunctionName: names.noQueueDispatcher, Name: 'live' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  const error = await invokeJson(names.noQueueDispatcher, {}).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LambdaFunctionError);
  expect((error as Error).message).toMatch(/TRACKING_QUEUE_URL/);
});

describe('poison messages', () => {
  // Bodies the worker must report as failures (never acknowledge, never throw on the batch).
  const poison = {
    'invalid JSON': '{"book_id": ',
    'JSON that is not an object': 'null',
    'wrong types': JSON.stringify({ book_id: '7' }),
    'missing fields': JSON.stringify({ book: 7 }),
    'out of range': JSON.stringify({ book_id: -3 }),
    // No such book (the dispatcher never sends one): a wrong producer, or a book deleted since.
    'unknown book': JSON.stringify({ book_id: 2_000_000_000 }),
    // SQS's largest message (1 MiB).
    '1 MiB body': `{"book_id":"${'9'.repeat(1024 * 1024 - 14)}"}`,
  };
  const goodBook = async (i: number) => (await insertBooks(testDb.db, [{ title: `poison neighbour ${i}`, tracking_number: NUMBER.usps(900_000 + i), tracking_active: true }]))[0]!;
  const checked = async (id: number) =>
    (await testDb.db.selectFrom('books').select('tracking_last_checked').where('id', '=', id).executeTakeFirstOrThrow()).tracking_last_checked !== null;

  it('reports every shape in one crafted batch; the good record is tracked', async () => {
    expect(Buffer.byteLength(poison['1 MiB body'])).toBe(1024 * 1024);
    const good = await goodBook(1);
    const record = (messageId: string, body: string) => ({
      messageId,
      receiptHandle: `rh-${messageId}`,
      body,
      attributes: {},
      messageAttributes: {},
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
    });
    // An empty body cannot be sent through SQS (it refuses it), but a hand-made event can carry one.
    const bad = { 'empty body': '', ...poison };
    const result = await invokeJson<{ batchItemFailures: { itemIdentifier: string }[] }>(
      names.worker,
      {
        Records: [
          ...Object.entries(bad).map(([shape, body]) => record(shape, body)),
          record('good', JSON.stringify({ book_id: good })),
        ],
      },
      { profile: 'longCall' },
    );
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(Object.keys(bad).sort());
    expect(await checked(good)).toBe(true);
  });

  it('poison sent through SQS ends in the DLQ after 3 receives; the good message beside it is tracked', async () => {
    const good = await goodBook(2);
    for (const body of Object.values(poison)) await getSqsClient().send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
    await getSqsClient().send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify({ book_id: good }) }));
    await waitFor('the good message tracked', () => checked(good));

    const dead = await collectMessages(queue.dlqUrl, Object.values(poison), { timeoutMs: 60_000 });
    // Delivered (and reported) at least maxReceiveCount times before SQS moved each one; the count goes on in the DLQ.
    for (const count of dead.values()) expect(count).toBeGreaterThanOrEqual(3);
  });
});
