// Benchmark 1: the shared cached client versus a new client per call (what duplicated factories degrade into),
// for S3 GetObject and SQS SendMessage against the local servers, sequential and 16 in flight.
// Run: npm run bench -- client-reuse   (or: node --conditions=@bmx/source --import tsx bench/client-reuse.bench.ts)
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { getS3Client, getSqsClient, resetAwsClients } from '@bmx/aws-clients';
import { ensureBucket, ensureQueue } from '@bmx/deploy';
import { startGate, startLocalAws } from '@bmx/local-aws';
import { fmt, percentile, runIfMain, type BenchTable } from './lib/report';

const CALLS = Number(process.env['BENCH_CALLS'] ?? 2000);

type Mode = 'shared' | 'new client per call';

interface Destroyable {
  destroy(): void;
}

async function run<C extends Destroyable>(calls: number, concurrency: number, mode: Mode, getClient: () => C, call: (client: C) => Promise<unknown>) {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        next++;
        // The lib is the only place clients are made; forgetting its cache and asking again (in one synchronous
        // step, so no other call can take this client) is exactly "a new client per call". Each such client is
        // closed after its call, as a factory-per-call codebase's clients would be garbage-collected.
        let client: C;
        if (mode === 'shared') client = getClient();
        else {
          resetAwsClients({ destroy: false });
          client = getClient();
        }
        const t = performance.now();
        // A failed call is counted, not fatal.
        await call(client).then(
          () => latencies.push(performance.now() - t),
          () => errors++,
        );
        if (mode !== 'shared') client.destroy();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

export async function clientReuseBench(): Promise<BenchTable> {
  const stack = await startLocalAws({});
  const target = new URL(stack.env['AWS_ENDPOINT_URL_S3'] as string);
  const proxy = await startGate({ host: target.hostname, port: Number(target.port) });
  process.env['AWS_ENDPOINT_URL_S3'] = proxy.url;
  process.env['AWS_ENDPOINT_URL_SQS'] = proxy.url;
  resetAwsClients();
  const bucket = 'bench-reuse';
  await ensureBucket(bucket);
  const queue = await ensureQueue({ name: 'bench-reuse' });
  await getS3Client().send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: Buffer.alloc(1024) }));

  const s3Call = async (s3: ReturnType<typeof getS3Client>) => {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    await out.Body?.transformToByteArray();
  };
  const sqsCall = (sqs: ReturnType<typeof getSqsClient>) => sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"book_id":1}' }));
  const measure = (name: string, calls: number, concurrency: number, mode: Mode) =>
    name === 'S3 GetObject' ? run(calls, concurrency, mode, () => getS3Client(), s3Call) : run(calls, concurrency, mode, () => getSqsClient(), sqsCall);
  const rows: (string | number)[][] = [];
  for (const name of ['S3 GetObject', 'SQS SendMessage']) {
    for (const concurrency of [1, 16]) {
      const results: Record<string, { rps: number; p50: number; p99: number; errors: number; sockets: number }> = {};
      for (const mode of ['shared', 'new client per call'] as Mode[]) {
        resetAwsClients();
        await measure(name, 50, concurrency, mode); // warm-up, not counted
        proxy.resetCount();
        const r = await measure(name, CALLS, concurrency, mode);
        results[mode] = { ...r, sockets: proxy.connections() };
        rows.push([name, concurrency, mode, fmt(r.rps, 0), fmt(r.p50, 2), fmt(r.p99, 2), proxy.connections(), r.errors]);
      }
      const ratio = (results['shared']?.rps ?? 0) / (results['new client per call']?.rps ?? 1);
      rows.push([name, concurrency, '**shared ÷ new**', `**${fmt(ratio, 2)}×**`, '', '', '', '']);
    }
  }
  resetAwsClients();
  await proxy.close();
  await stack.stop();
  return {
    title: `Client reuse: ${CALLS} calls each against the local S3/SQS server`,
    command: 'npm run bench -- client-reuse',
    columns: ['call', 'in flight', 'client', 'req/s (successful)', 'p50 ms', 'p99 ms', 'sockets opened while measured', 'failed calls'],
    rows,
    notes: ['sockets: TCP connections opened during the measured calls, counted by a proxy in front of the server (the shared client reuses the ones its warm-up opened)', 'loopback only; a real AWS endpoint adds TLS handshakes to every new socket, which widens the gap'],
  };
}

runIfMain(module, clientReuseBench);
