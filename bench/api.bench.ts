// Benchmark 5: the API under load on loopback with autocannon, 50 connections. The image list of a book with presigned
// URLs (reused within a window, and signed anew on every call) against the same list with CDN_BASE_URL (no signing),
// measured in alternating rounds in one run; and the deep health check with its result reused for HEALTH_REUSE_MS
// against no reuse, with the dependency calls counted at the dependencies.
import { createTestDatabase } from '@bmx/db/testing';
import { demoBookPhoto, startApiProcess, startDevStack, type ApiProcess } from '@bmx/dev-stack';
import autocannon from 'autocannon';
import { countHttpRequests, countPostgresStatements, type CountingProxy } from './lib/counting-proxies';
import { fmt, percentile, runIfMain, type BenchTable } from './lib/report';

const SECONDS = Number(process.env['BENCH_API_SECONDS'] ?? 10);
/** Rounds of the image-list modes, each mode once per round in turn; the table shows medians. */
const ROUNDS = Number(process.env['BENCH_API_ROUNDS'] ?? 3);
const CONNECTIONS = 50;
const IMAGES = 5;

async function call<T>(url: string, key: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, { ...init, headers: { 'x-api-key': key, ...(init.headers ?? {}) } });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} → ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface Measure {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Dependency calls per second while measured (S3/SQS/Lambda requests plus database statements). */
  dependencyCalls: number;
}

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);

export async function apiBench(): Promise<BenchTable> {
  const quiet = process.env['BENCH_VERBOSE'] ? (line: string) => process.stderr.write(`${line}\n`) : () => undefined;
  const database = await createTestDatabase('bmx_bench');
  const stack = await startDevStack({ apiPort: 0, s3SqsPort: 0, lambdaPort: 0, databaseUrl: database.url, writeStackFile: false, log: quiet });
  const proxies: CountingProxy[] = [];
  const apis: ApiProcess[] = [];
  const rows: (string | number)[][] = [];
  try {
    // Every API process below reaches S3/SQS, Lambda and PostgreSQL through counting proxies.
    const s3sqs = await countHttpRequests(stack.aws.env['AWS_ENDPOINT_URL_S3'] as string);
    const lambda = await countHttpRequests(stack.aws.env['AWS_ENDPOINT_URL_LAMBDA'] as string);
    const postgres = await countPostgresStatements(database.url);
    proxies.push(s3sqs, lambda, postgres);
    const dependencyCalls = () => s3sqs.count() + lambda.count() + postgres.count();
    const resetCounts = () => proxies.forEach((p) => p.reset());
    const start = (extra: Record<string, string>) =>
      startApiProcess(
        {
          ...process.env,
          ...stack.aws.env,
          AWS_ENDPOINT_URL_S3: s3sqs.url,
          AWS_ENDPOINT_URL_SQS: s3sqs.url,
          AWS_ENDPOINT_URL_LAMBDA: lambda.url,
          DATABASE_URL: postgres.databaseUrl,
          PORT: '0',
          API_SEED_DEMO_KEY_ROLE: 'admin',
          // The same (quiet) logging in every mode: request lines would cost each mode alike and measure the pipe.
          LOG_LEVEL: 'warn',
          ...extra,
        },
        quiet,
      ).then((api) => (apis.push(api), api));
    const modes = {
      'presigned, URLs reused (PRESIGN_REUSE_SECONDS default)': await start({}),
      'presigned, a new URL every time (PRESIGN_REUSE_SECONDS=0)': await start({ PRESIGN_REUSE_SECONDS: '0' }),
      'CDN_BASE_URL (no signing)': await start({ CDN_BASE_URL: 'https://cdn.example.com' }),
    };
    const [presigned] = Object.values(modes) as [ApiProcess];
    const book = await call<{ id: number }>(`${presigned.url}/api/v1/books`, presigned.demoKey, {
      method: 'POST',
      body: JSON.stringify({ title: 'Bench', author: 'Load' }),
      headers: { 'content-type': 'application/json' },
    });
    const photo = await demoBookPhoto();
    for (let i = 0; i < IMAGES; i++) {
      const form = new FormData();
      // Different bytes each time, so none is a duplicate.
      form.append('file', new Blob([Buffer.concat([photo, Buffer.from([i])])], { type: 'image/jpeg' }), `photo-${i}.jpg`);
      await call(`${presigned.url}/api/v1/books/${book.id}/images`, presigned.demoKey, { method: 'POST', body: form });
    }
    // The image processor adds processed images as it works through the jobs: wait for it, so every mode lists the same.
    const listed = async () => (await call<{ images: unknown[] }>(`${presigned.url}/api/v1/books/${book.id}/images`, presigned.demoKey)).images.length;
    for (let stable = 0, last = -1; stable < 3; ) {
      const count = await listed();
      stable = count === last ? stable + 1 : 0;
      last = count;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const imageCount = await listed();

    const measure = async (api: ApiProcess, route: string, seconds: number): Promise<Measure> => {
      resetCounts();
      const result = await autocannon({ url: `${api.url}${route}`, connections: CONNECTIONS, duration: seconds, headers: { 'x-api-key': api.demoKey } });
      return {
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        dependencyCalls: dependencyCalls() / seconds,
      };
    };
    const imagesRoute = `/api/v1/books/${book.id}/images`;
    const results: Record<string, Measure[]> = Object.fromEntries(Object.keys(modes).map((mode) => [mode, []]));
    for (const api of Object.values(modes)) await measure(api, imagesRoute, 2); // warm-up, not counted
    for (let round = 0; round < ROUNDS; round++) {
      // Each round in another order, so no mode always runs first or last.
      const entries = Object.entries(modes);
      const shift = round % entries.length;
      for (const [mode, api] of [...entries.slice(shift), ...entries.slice(0, shift)]) results[mode]?.push(await measure(api, imagesRoute, SECONDS));
    }
    const summary = (mode: string) => {
      const runs = results[mode] ?? [];
      return {
        rps: median(runs.map((r) => r.rps)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
        errors: runs.reduce((n, r) => n + r.errors, 0),
        dependencyCalls: median(runs.map((r) => r.dependencyCalls)),
      };
    };
    const route = `GET /api/v1/books/{id}/images (${imageCount} images)`;
    for (const mode of Object.keys(modes)) {
      const s = summary(mode);
      rows.push([route, mode, fmt(s.rps, 0), fmt(s.p50, 1), fmt(s.p99, 1), s.non2xx, s.errors, fmt(s.dependencyCalls, 0)]);
    }
    const [reused, fresh, cdn] = Object.keys(modes).map((mode) => summary(mode).rps) as [number, number, number];
    rows.push([route, '**presigned (reused) ÷ CDN_BASE_URL**', `**${fmt(reused / cdn, 2)}×**`, '', '', '', '', '']);
    rows.push([route, 'presigned (new every time) ÷ CDN_BASE_URL', `${fmt(fresh / cdn, 2)}×`, '', '', '', '', '']);

    // Deep health: the default reuse window against none (concurrent callers still share one check).
    const health = {
      'HEALTH_REUSE_MS default (2000)': presigned,
      'HEALTH_REUSE_MS=0 (in-flight check shared only)': await start({ HEALTH_REUSE_MS: '0' }),
    };
    for (const [mode, api] of Object.entries(health)) {
      await measure(api, '/health/deep', 2); // warm-up
      const m = await measure(api, '/health/deep', SECONDS);
      rows.push(['GET /health/deep', mode, fmt(m.rps, 0), fmt(m.p50, 1), fmt(m.p99, 1), m.non2xx, m.errors, fmt(m.dependencyCalls, 1)]);
    }
  } finally {
    for (const api of apis) {
      api.child.kill('SIGTERM');
      await api.exited;
    }
    for (const proxy of proxies) await proxy.stop();
    await stack.stop();
    await database.drop();
  }
  return {
    title: `API on loopback, ${CONNECTIONS} connections, ${SECONDS} s per measure (autocannon)`,
    command: 'npm run bench -- api',
    columns: ['route', 'mode', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'dependency calls/s'],
    rows,
    notes: [
      `image list: ${ROUNDS} rounds of every mode in turn (a different mode first each round), medians shown; goal: presigned (reused) ÷ CDN_BASE_URL ≥ 0.8`,
      'deep health: one measure per mode; a round of checks is 1 database statement, 2 S3 calls (HeadBucket, ListObjectsV2), 4 SQS calls (queue and DLQ: GetQueueUrl, GetQueueAttributes) and a GetFunction per Lambda; goal: one round per reuse window and p99 ≤ 50 ms',
      'dependency calls are counted by proxies in front of the local S3/SQS server, the local Lambda server and PostgreSQL: S3/SQS/Lambda HTTP requests plus database statements (each simple query or extended-protocol Sync)',
      "each mode is its own API process (the local server, Fastify, LOG_LEVEL=warn) on the same database (the machine's PostgreSQL), local S3/SQS and Lambda servers, all on this machine, so the figures include their work",
    ],
  };
}

runIfMain(module, apiBench);
