// Benchmark 2: cold start per Lambda bundle. In a fresh Node process: time to load the handler module and to handle
// its first real event (one that makes the function do its job, its first AWS calls included, against the local
// servers), and peak RSS; the deployed bundle (one minified file, SDK inlined) versus the same code unbundled (our
// own code compiled, every npm package loaded from node_modules, as tsc output plus node_modules would be). Also each
// zip's size. Every process starts from freshly seeded rows, so each of the runs does the same work.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getAwsRegion, getS3Client } from '@bmx/aws-clients';
import { hashApiKey, type Database, type Kysely } from '@bmx/db';
import { createTestDatabase } from '@bmx/db/testing';
import { bundleApp, copyPackageClosure, ensureBucket, ensureQueue, loadDeployConfig, zipDirectory } from '@bmx/deploy';
import { imageObjectKey } from '@bmx/images';
import { sqsEventRecord, startLocalAws } from '@bmx/local-aws';
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { fmt, percentile, runIfMain, type BenchTable } from './lib/report';

const root = path.resolve(__dirname, '..');
const RUNS = Number(process.env['BENCH_COLD_RUNS'] ?? 5);
const execFileAsync = promisify(execFile);

/** The resources every function is pointed at (names as `lambda.deploy.json` makes them for env `bench`). */
const ENV_NAME = 'bench';
const BUCKET = `bmx-${ENV_NAME}-images`;
const IMAGE_JOBS_QUEUE = `bmx-${ENV_NAME}-image-jobs`;
const TRACKING_QUEUE = `bmx-${ENV_NAME}-tracking`;
/** The smallest of the processor's photo fixtures (400×300 JPEG, 13 KiB), so start-up, not pixels, dominates. */
const PHOTO = path.join(root, 'apps/image-processor/tests/fixtures/plain-cream.jpg');
/** DHL's answer for a parcel in transit, as the worker's own tests serve it. */
const DHL_IN_TRANSIT = path.join(root, 'apps/tracking-dispatcher/tests/fixtures/dhl/in-transit.json');
/** A 10-digit number: DHL Express by its shape. */
const DHL_TRACKING_NUMBER = '1234567890';

// The event is read from a file before the clock starts. Peak RSS from /proc (VmHWM): getrusage's maxRSS after
// fork+exec can report the parent's size.
const PROBE = `
const peakRssMiB = () => { try { return Number(/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024; } catch { return process.resourceUsage().maxRSS / 1024; } };
const event = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'));
const started = performance.now();
const mod = require(process.argv[1]);
const loaded = performance.now();
Promise.resolve(mod[process.argv[2]](event, { getRemainingTimeInMillis: () => 30000, functionName: 'bench', awsRequestId: 'bench' }))
  .then((result) => {
    const answered = performance.now();
    process.stdout.write('\\nBENCH_RESULT ' + JSON.stringify({ load: loaded - started, invoke: answered - loaded, rss: peakRssMiB(), result }) + '\\n');
    process.exit(0);
  }, (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

/**
 * Our code compiled into one file, every npm package left to node_modules; also builds the zip such a deploy would
 * ship (the file plus the packages it needs, with their dependencies) and returns its size.
 */
async function unbundled(entry: string, outDir: string): Promise<{ file: string; zipBytes: number }> {
  const outfile = path.join(outDir, 'index.js');
  const packages = new Set<string>();
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    conditions: ['@bmx/source'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'npm-packages-external',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.path.startsWith('@bmx/')) return undefined;
            if (!args.path.startsWith('node:')) packages.add(args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0] as string);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  const builtins = new Set(builtinModules);
  copyPackageClosure([...packages].filter((name) => !builtins.has(name)), root, outDir);
  return { file: outfile, zipBytes: zipDirectory(outDir).length };
}

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);

/** The first real event of one function: fresh state for each process, and a check that the run did its work. */
interface Scenario {
  /** Seeds what one process needs and returns the event it is invoked with. */
  prepare(): Promise<unknown>;
  /** Throws unless the run did its real work, so no figure comes from an error answer or a short cut. */
  check(event: unknown, result: unknown): Promise<void>;
}

function ensure(condition: boolean, what: string, result: unknown): void {
  if (!condition) throw new Error(`${what}; the handler answered ${JSON.stringify(result)?.slice(0, 2000)}`);
}

/** An SQS event of one record, as Lambda's event-source mapping would deliver it on a message's first receive. */
async function sqsEvent(queueArn: string, body: unknown) {
  const now = String(Date.now());
  const message = {
    MessageId: randomUUID(),
    ReceiptHandle: `bench-${randomUUID()}`,
    Body: JSON.stringify(body),
    Attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, SenderId: 'bench', ApproximateFirstReceiveTimestamp: now },
  };
  return { Records: [sqsEventRecord(message, queueArn, await getAwsRegion())] };
}

async function insertBook(db: Kysely<Database>, tracking?: { number: string; carrier: string }): Promise<number> {
  const row = await db
    .insertInto('books')
    .values({
      title: 'Cold start',
      author: 'Bench',
      ...(tracking ? { tracking_number: tracking.number, tracking_carrier: tracking.carrier, tracking_active: true } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A book with one primary image row (and, with `bytes`, its original in S3). */
async function insertBookWithImage(db: Kysely<Database>, bytes?: Buffer): Promise<{ bookId: number; imageId: number }> {
  const bookId = await insertBook(db);
  const key = `${bookId}_${randomUUID()}.jpg`;
  if (bytes) await getS3Client().send(new PutObjectCommand({ Bucket: BUCKET, Key: imageObjectKey(key), Body: bytes, ContentType: 'image/jpeg' }));
  const image = await db
    .insertInto('book_images')
    .values({ book_id: bookId, s3_key: key, original_filename: 'cover.jpg', content_hash: randomUUID(), image_type: null, display_order: 0, is_primary: true, caption: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { bookId, imageId: image.id };
}

async function jobStatus(db: Kysely<Database>, jobId: string): Promise<string | undefined> {
  return (await db.selectFrom('image_processing_jobs').select('status').where('id', '=', jobId).executeTakeFirst())?.status;
}

/** An API Gateway HTTP API (payload 2.0) request, made from the deploy smoke test's event so its shape is the deployed one. */
function httpRequest(template: Record<string, unknown>, method: string, rawPath: string, headers: Record<string, string>, body: Buffer) {
  const context = template['requestContext'] as Record<string, unknown>;
  return {
    ...template,
    rawPath,
    headers: { ...(template['headers'] as Record<string, string>), ...headers, 'content-length': String(body.length) },
    requestContext: {
      ...context,
      http: { ...(context['http'] as Record<string, unknown>), method, path: rawPath },
      requestId: randomUUID(),
      timeEpoch: Date.now(),
    },
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
}

interface ScenarioContext {
  db: Kysely<Database>;
  apiKey: string;
  photo: Buffer;
  imageJobsArn: string;
  trackingArn: string;
  /** The api/http function's smoke-test event, the template of its requests. */
  httpTemplate: Record<string, unknown>;
  /** Requests the DHL stand-in has answered. */
  carrierRequests: () => number;
}

function scenarios(ctx: ScenarioContext): Record<string, Scenario> {
  const { db } = ctx;
  let trackedBook: number | undefined;
  const jobs = new WeakMap<object, string>();
  const books = new WeakMap<object, number>();
  let carrierRequestsBefore = 0;
  return {
    'api/http': {
      // A user's upload: S3 PutObject (original and thumbnail) and SQS SendMessage with the request-path clients.
      async prepare() {
        const bookId = await insertBook(db);
        const form = new FormData();
        form.append('file', new Blob([ctx.photo], { type: 'image/jpeg' }), 'cover.jpg');
        const request = new Request('http://bench.invalid/', { method: 'POST', body: form });
        const body = Buffer.from(await request.arrayBuffer());
        return httpRequest(ctx.httpTemplate, 'POST', `/api/v1/books/${bookId}/images`, { 'x-api-key': ctx.apiKey, 'content-type': request.headers.get('content-type') as string }, body);
      },
      async check(_event, result) {
        const answer = result as { statusCode?: number; body?: string };
        const body = JSON.parse(answer.body ?? '{}') as { processing_job?: { outcome?: string; job_id?: string } };
        ensure(answer.statusCode === 201 && body.processing_job?.outcome === 'queued', 'the upload was not stored and queued (201, job queued)', result);
      },
    },
    'api/image-job-retry': {
      // One queue_failed job: the run resends it with SendMessageBatch.
      async prepare() {
        const { bookId, imageId } = await insertBookWithImage(db);
        const job = await db
          .insertInto('image_processing_jobs')
          .values({ book_id: bookId, source_image_id: imageId, status: 'queue_failed', failure_reason: 'bench: SQS send failed' })
          .returning('id')
          .executeTakeFirstOrThrow();
        const event = { source: 'aws.scheduler', 'detail-type': 'Scheduled Event' };
        jobs.set(event, job.id);
        return event;
      },
      async check(event, result) {
        const summary = result as { resent?: number };
        const status = await jobStatus(db, jobs.get(event as object) as string);
        ensure(summary.resent === 1 && status === 'pending', `the queue_failed job was not resent (job now ${status})`, result);
      },
    },
    'api/db-admin': {
      // An operator's first key (`admin keys create --through-lambda`): one INSERT, the key answered once.
      async prepare() {
        return { create_api_key: { name: `bench-${randomUUID()}`, role: 'viewer' } };
      },
      async check(_event, result) {
        const created = result as { id?: number; key?: string };
        const row = created.id === undefined ? undefined : await db.selectFrom('api_keys').select('key_hash').where('id', '=', created.id).executeTakeFirst();
        ensure(typeof created.key === 'string' && row?.key_hash === hashApiKey(created.key), 'no API key was made and stored by its hash', result);
      },
    },
    'image-processor/processor': {
      // A job for a book whose photo is in S3: GetObject, background removal, PutObject (image and thumbnail).
      async prepare() {
        const { bookId, imageId } = await insertBookWithImage(db, ctx.photo);
        const job = await db.insertInto('image_processing_jobs').values({ book_id: bookId, source_image_id: imageId }).returning('id').executeTakeFirstOrThrow();
        const event = await sqsEvent(ctx.imageJobsArn, { job_id: job.id, book_id: bookId, image_id: imageId });
        jobs.set(event, job.id);
        return event;
      },
      async check(event, result) {
        const failures = (result as { batchItemFailures?: unknown[] }).batchItemFailures;
        const status = await jobStatus(db, jobs.get(event as object) as string);
        ensure(failures?.length === 0 && status === 'completed', `the job was not completed (job now ${status})`, result);
      },
    },
    'tracking-dispatcher/dispatcher': {
      // Exactly one tracked book: one SendMessageBatch of one entry.
      async prepare() {
        trackedBook ??= await insertBook(db, { number: DHL_TRACKING_NUMBER, carrier: 'dhl' });
        // Books other scenarios left tracked would make later runs send more.
        await db.updateTable('books').set({ tracking_active: false }).where('tracking_active', '=', true).where('id', '<>', trackedBook).execute();
        return { source: 'aws.scheduler', 'detail-type': 'Scheduled Event' };
      },
      async check(_event, result) {
        const sent = result as { dispatched?: number; failed?: number };
        ensure(sent.dispatched === 1 && sent.failed === 0, 'the one tracked book was not dispatched', result);
      },
    },
    'tracking-dispatcher/worker': {
      // No AWS call on this path (the database and the carrier's API): a fresh tracked book, checked with DHL.
      async prepare() {
        const bookId = await insertBook(db, { number: DHL_TRACKING_NUMBER, carrier: 'dhl' });
        const event = await sqsEvent(ctx.trackingArn, { book_id: bookId });
        books.set(event, bookId);
        carrierRequestsBefore = ctx.carrierRequests();
        return event;
      },
      async check(event, result) {
        const failures = (result as { batchItemFailures?: unknown[] }).batchItemFailures;
        const book = await db.selectFrom('books').select('tracking_status').where('id', '=', books.get(event as object) as number).executeTakeFirst();
        const asked = ctx.carrierRequests() - carrierRequestsBefore;
        ensure(failures?.length === 0 && book?.tracking_status === 'In Transit' && asked === 1, `the book's tracking was not updated from one carrier call (status ${book?.tracking_status}, ${asked} call(s))`, result);
      },
    },
  };
}

interface Figures {
  load: number;
  invoke: number;
  rss: number;
}

async function measure(file: string, handlerExport: string, scenario: Scenario, env: NodeJS.ProcessEnv, cwd: string, scratch: string): Promise<Figures> {
  const runs: Figures[] = [];
  const eventFile = path.join(scratch, 'event.json');
  for (let i = 0; i < RUNS; i++) {
    const event = await scenario.prepare();
    writeFileSync(eventFile, JSON.stringify(event));
    // Asynchronous: the local S3/SQS and Lambda servers answer from this process's event loop.
    let output: string;
    try {
      ({ stdout: output } = await execFileAsync(process.execPath, ['-e', PROBE, file, handlerExport, eventFile], { env, cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }));
    } catch (error) {
      const failed = error as Error & { stdout?: string; stderr?: string };
      throw new Error(`${file} failed:\n${failed.stderr || failed.message}\n${failed.stdout ?? ''}`);
    }
    // The handler logs to stdout too: the figures are on the marked line.
    const line = output.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    if (!line) throw new Error(`no result from ${file}:\n${output}`);
    const run = JSON.parse(line.slice('BENCH_RESULT '.length)) as Figures & { result: unknown };
    try {
      await scenario.check(event, run.result);
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}\n${output}`);
    }
    runs.push(run);
  }
  return { load: median(runs.map((r) => r.load)), invoke: median(runs.map((r) => r.invoke)), rss: median(runs.map((r) => r.rss)) };
}

/**
 * An editor key in `databaseUrl`, made by the API's own CLI in a process of its own: bench is a tool, and tools do
 * not import apps (module boundaries), so it runs the app's entry point as `npm start` does.
 */
async function createApiKey(databaseUrl: string): Promise<string> {
  const cli = path.join(root, 'apps/api/src/cli/create-api-key.ts');
  const { stdout } = await execFileAsync(process.execPath, ['--conditions=@bmx/source', '--import', 'tsx', cli, 'bench', 'editor'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  const key = stdout.trim();
  if (!/^\S+$/.test(key)) throw new Error(`create-api-key printed ${JSON.stringify(stdout)}, not one key`);
  return key;
}

/** Answers every tracking request with DHL's in-transit document, as DHL's API would for a parcel on its way. */
async function startDhlStandIn(): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  const body = readFileSync(DHL_IN_TRANSIT);
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    request.resume();
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function coldStartBench(): Promise<BenchTable> {
  const stack = await startLocalAws({});
  const database = await createTestDatabase('bmx_bench');
  const dhl = await startDhlStandIn();
  const scratch = mkdtempSync(path.join(root, 'tmp-cold-'));
  const rows: (string | number)[][] = [];
  try {
    await ensureBucket(BUCKET);
    const imageJobs = await ensureQueue({ name: IMAGE_JOBS_QUEUE });
    const tracking = await ensureQueue({ name: TRACKING_QUEUE });
    const shared = {
      BMX_ENV: ENV_NAME,
      IMAGES_BUCKET: BUCKET,
      IMAGE_JOBS_QUEUE_NAME: IMAGE_JOBS_QUEUE,
      TRACKING_QUEUE_NAME: TRACKING_QUEUE,
      TRACKING_CARRIERS: 'dhl',
      DHL_API_BASE_URL: dhl.url,
      // The stand-in does not check it; the worker refuses to start without one.
      DHL_API_KEY: 'bench-placeholder',
    };
    const apiKey = await createApiKey(database.url);
    const apps = readdirSync(path.join(root, 'apps')).filter((app) => existsSync(path.join(root, 'apps', app, 'lambda.deploy.json')));
    const httpTemplate = loadDeployConfig(path.join(root, 'apps/api'), ENV_NAME).functions.find((fn) => fn.id === 'http')?.smokeTest as
      | Record<string, unknown>
      | undefined;
    if (!httpTemplate) throw new Error('api/http has no smokeTest event in lambda.deploy.json to build its requests from');
    const events = scenarios({
      db: database.db,
      apiKey,
      photo: readFileSync(PHOTO),
      imageJobsArn: imageJobs.arn,
      trackingArn: tracking.arn,
      httpTemplate,
      carrierRequests: dhl.requests,
    });

    for (const app of apps) {
      const appDir = path.join(root, 'apps', app);
      const built = await bundleApp(appDir);
      const config = loadDeployConfig(appDir, ENV_NAME);
      for (const fn of config.functions) {
        const zip = built.find((b) => b.spec.id === fn.id);
        if (!zip) continue;
        const name = `${app}/${fn.id}`;
        const scenario = events[name];
        if (!scenario) throw new Error(`${name}: no first real event defined in bench/cold-start.bench.ts; add one`);
        // The function's lambda.deploy.json variables, the bench's database by URL (the handler runs in a plain
        // process here, not as a deployed function reading DATABASE_SECRET_ARN), and the local endpoints.
        const env = {
          PATH: process.env['PATH'] ?? '',
          ...stack.env,
          ...(fn.environment ?? {}),
          DATABASE_URL: database.url,
          ...shared,
          AWS_LAMBDA_FUNCTION_NAME: fn.name,
        };
        const handlerExport = fn.export ?? 'handler';
        const bundledFile = path.join(path.dirname(zip.zipPath), fn.id, 'index.js');
        const plainDir = path.join(scratch, app, fn.id);
        const plain = await unbundled(path.join(appDir, fn.entry), plainDir);
        const b = await measure(bundledFile, handlerExport, scenario, env, path.dirname(bundledFile), scratch);
        const u = await measure(plain.file, handlerExport, scenario, env, root, scratch);
        rows.push([name, 'bundled', fmt(zip.sizeBytes / 1024, 0), fmt(b.load, 0), fmt(b.invoke, 0), fmt(b.load + b.invoke, 0), fmt(b.rss, 0)]);
        rows.push([name, 'unbundled', fmt(plain.zipBytes / 1024, 0), fmt(u.load, 0), fmt(u.invoke, 0), fmt(u.load + u.invoke, 0), fmt(u.rss, 0)]);
        rows.push([
          name,
          '**unbundled ÷ bundled**',
          `**${fmt(plain.zipBytes / zip.sizeBytes, 2)}×**`,
          `**${fmt(u.load / b.load, 2)}×**`,
          `**${fmt(u.invoke / b.invoke, 2)}×**`,
          `**${fmt((u.load + u.invoke) / (b.load + b.invoke), 2)}×**`,
          `**${fmt(u.rss / b.rss, 2)}×**`,
        ]);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await dhl.close();
    await database.drop();
    await stack.stop();
  }
  return {
    title: `Cold start per Lambda bundle (median of ${RUNS} fresh processes)`,
    command: 'npm run bench -- cold-start',
    columns: ['function', 'build', 'zip KiB', 'load ms', 'first real event ms', 'cold start ms', 'peak RSS MiB'],
    rows,
    notes: [
      'load: require() of the handler module (configuration, database pool; AWS clients are built lazily on first use). first real event: the handler\'s answer to an event that makes it do its job, its first AWS calls included, against the local S3/SQS server; each process gets freshly seeded rows, and each run is checked to have done the work:',
      'api/http: a user\'s upload, POST /api/v1/books/{id}/images (multipart, 400×300 JPEG of 13 KiB) with an editor key: key lookup, thumbnail, S3 PutObject of original and thumbnail, the job row, SQS GetQueueUrl + SendMessage (request-path clients); 201 with the job queued',
      "api/db-admin: an operator's create_api_key request (the first admin key of an environment): one INSERT, the key answered once",
      'api/image-job-retry: the scheduled run with one queue_failed job: SQS GetQueueUrl + SendMessageBatch, the job back to pending',
      'image-processor/processor: an SQS record for a pending job whose photo (the same 400×300 JPEG) is in S3: GetObject, background removal and thumbnail (so this figure includes image work, kept small by the small photo), PutObject of image and thumbnail, the job completed',
      'tracking-dispatcher/dispatcher: the scheduled run with one tracked book: SQS GetQueueUrl + SendMessageBatch of one entry',
      'tracking-dispatcher/worker: makes no AWS call on this path (its only one is ChangeMessageVisibility when a carrier\'s circuit is open); its figure is one SQS record for a fresh tracked book: database reads, one DHL tracking request to a stand-in on 127.0.0.1 answering the in-transit fixture, the status written',
      'unbundled: our code compiled, every npm package (AWS SDK included) loaded from node_modules, as tsc output plus node_modules would be; its zip holds that file plus the packages it imports and their dependencies',
      'Node\'s own start-up (about 40 ms) is outside both figures; the local servers run in the benchmark\'s process on the same 2 cores',
    ],
  };
}

runIfMain(module, coldStartBench);
