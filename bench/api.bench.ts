// Benchmark 5: the API under load on loopback with autocannon, 50 connections: the image list of a book (presigned
// URLs for every image) and the deep health check (database, S3, queues, Lambdas in parallel).
import { createTestDatabase } from '@bmx/db/testing';
import { demoBookPhoto, startDevStack } from '@bmx/dev-stack';
import autocannon from 'autocannon';
import { fmt, runIfMain, type BenchTable } from './lib/report';

const SECONDS = Number(process.env['BENCH_API_SECONDS'] ?? 10);
const CONNECTIONS = 50;

async function call<T>(url: string, key: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, { ...init, headers: { 'x-api-key': key, ...(init.headers ?? {}) } });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} → ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function apiBench(): Promise<BenchTable> {
  const database = await createTestDatabase('bmx_bench');
  const stack = await startDevStack({ apiPort: 0, s3SqsPort: 0, lambdaPort: 0, databaseUrl: database.url, writeStackFile: false, log: process.env['BENCH_VERBOSE'] ? (line) => process.stderr.write(`${line}\n`) : () => undefined });
  const rows: (string | number)[][] = [];
  try {
    const book = await call<{ id: number }>(`${stack.apiUrl}/api/v1/books`, stack.demoKey, {
      method: 'POST',
      body: JSON.stringify({ title: 'Bench', author: 'Load' }),
      headers: { 'content-type': 'application/json' },
    });
    const photo = await demoBookPhoto();
    for (let i = 0; i < 5; i++) {
      const form = new FormData();
      // Different bytes each time, so none is a duplicate.
      form.append('file', new Blob([Buffer.concat([photo, Buffer.from([i])])], { type: 'image/jpeg' }), `photo-${i}.jpg`);
      await call(`${stack.apiUrl}/api/v1/books/${book.id}/images`, stack.demoKey, { method: 'POST', body: form });
    }
    const targets = {
      [`GET /api/v1/books/{id}/images (${5} images + processed)`]: `${stack.apiUrl}/api/v1/books/${book.id}/images`,
      'GET /health/deep': `${stack.apiUrl}/health/deep`,
    };
    for (const [name, url] of Object.entries(targets)) {
      const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers: { 'x-api-key': stack.demoKey } });
      rows.push([
        name,
        fmt(result.requests.average, 0),
        fmt(result.latency.p50, 1),
        fmt(result.latency.p99, 1),
        result.non2xx,
        result.errors + result.timeouts,
      ]);
    }
  } finally {
    await stack.stop();
    await database.drop();
  }
  return {
    title: `API on loopback, ${CONNECTIONS} connections, ${SECONDS} s each (autocannon)`,
    command: 'npm run bench -- api',
    columns: ['route', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
    rows,
    notes: [
      'the API process is the local server (Fastify) against the machine\'s PostgreSQL, the local S3/SQS server and the local Lambda server, all on this machine, so the figures include their work',
      'deep health runs every dependency check in parallel per request through the short-timeout health-check clients',
    ],
  };
}

runIfMain(module, apiBench);
