// Fan-out benchmark: the dispatcher's batched path (keyset pages + SendMessageBatch, 10 per call, 4 in flight)
// against the original's way (one SendMessage per book, one after the other), on a local SQS and PostgreSQL.
//
//   node --conditions=@bmx/source --import tsx apps/tracking-dispatcher/bench/fanout.bench.ts [--100k] [--books=N]
//
// Needs PostgreSQL on 127.0.0.1:5432 (or TEST_DATABASE_URL); starts its own local S3/SQS/Lambda.
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { getSqsClient, sendJsonMessage } from '@bmx/aws-clients';
import type { NewBook } from '@bmx/db';
import { createTestDatabase } from '@bmx/db/testing';
import { ensureQueue } from '@bmx/deploy';
import { startLocalAws } from '@bmx/local-aws';
import { dispatchTracking, selectTrackedPage } from '../src/dispatch/dispatch';

function bookCount(argv: string[]): number {
  const explicit = argv.find((a) => a.startsWith('--books='));
  if (explicit) {
    const n = Number(explicit.slice('--books='.length));
    if (!Number.isInteger(n) || n < 1) throw new Error(`--books must be a positive whole number, got ${explicit}`);
    return n;
  }
  return argv.includes('--100k') ? 100_000 : 10_000;
}

async function depth(url: string): Promise<number> {
  const out = await getSqsClient().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(out.Attributes?.['ApproximateNumberOfMessages']);
}

async function main(): Promise<void> {
  const books = bookCount(process.argv.slice(2));
  const aws = await startLocalAws();
  const testDb = await createTestDatabase('tracking_bench');
  try {
    process.stdout.write(`inserting ${books.toLocaleString('en')} tracked books… `);
    for (let i = 0; i < books; i += 1000) {
      const rows: NewBook[] = Array.from({ length: Math.min(1000, books - i) }, (_, j) => ({
        title: `bench ${i + j}`,
        tracking_number: `1Z999AA1${String(i + j).padStart(10, '0')}`,
        tracking_active: true,
      }));
      await testDb.db.insertInto('books').values(rows).execute();
    }
    process.stdout.write('done\n');
    const suffix = Date.now().toString(36);
    const batchedQueue = await ensureQueue({ name: `bench-batched-${suffix}` });
    const singleQueue = await ensureQueue({ name: `bench-single-${suffix}` });

    let started = performance.now();
    const result = await dispatchTracking(testDb.db, { url: batchedQueue.url }, { pageSize: 1000, concurrency: 4 });
    const batchedSeconds = (performance.now() - started) / 1000;
    if (result.dispatched !== books || result.failed !== 0) throw new Error(`batched run sent ${JSON.stringify(result)}, expected ${books}`);

    // The original's way: the same keyset read, then one SendMessage per book, awaited one by one.
    started = performance.now();
    let sent = 0;
    for (let last = 0; ; ) {
      const ids = await selectTrackedPage(testDb.db, last, 1000);
      if (ids.length === 0) break;
      for (const id of ids) {
        await sendJsonMessage({ url: singleQueue.url }, { book_id: id });
        sent++;
      }
      last = ids[ids.length - 1] as number;
    }
    const singleSeconds = (performance.now() - started) / 1000;

    const [batchedDepth, singleDepth] = await Promise.all([depth(batchedQueue.url), depth(singleQueue.url)]);
    const batchedRate = books / batchedSeconds;
    const singleRate = sent / singleSeconds;
    const line = (label: string, seconds: number, rate: number, queued: number) =>
      `${label.padEnd(34)} ${seconds.toFixed(2).padStart(8)} s ${Math.round(rate).toLocaleString('en').padStart(9)} msg/s   (${queued.toLocaleString('en')} in queue)`;
    console.log(`\nfan-out of ${books.toLocaleString('en')} books to the local SQS (${aws.env['AWS_ENDPOINT_URL_SQS']})`);
    console.log(line('batched (SendMessageBatch ×10, 4)', batchedSeconds, batchedRate, batchedDepth));
    console.log(line('one SendMessage per book', singleSeconds, singleRate, singleDepth));
    console.log(`ratio: batched is ${(batchedRate / singleRate).toFixed(1)}× the original's rate`);
    const lambdaSeconds = 900;
    console.log(`at the batched rate, 100,000 books take about ${(100_000 / batchedRate).toFixed(0)} s (Lambda's limit: ${lambdaSeconds} s)`);
  } finally {
    await testDb.db.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await testDb.drop();
    await aws.stop();
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
