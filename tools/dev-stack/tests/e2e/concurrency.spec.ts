// `npm start` itself (the embedded PGlite served over the wire protocol, every app's Lambdas deployed, the API as its
// own process) under 50 concurrent mixed requests: reorders with shuffled ids, identical uploads, lists, book reads,
// deep health, a wrong key. No 5xx, every answer the right one, the API alive afterwards; then the API is killed and
// npm start says so and exits non-zero.
import { connectPostgres } from '@bmx/db';
import { waitFor } from '@bmx/local-aws';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { demoBookPhoto, type ProcessExit } from '../../src';

const root = path.resolve(__dirname, '../../../..');

/** `npm start` (the script it runs) in its own process, and what it has printed so far. */
interface NpmStart {
  child: ChildProcess;
  exited: Promise<ProcessExit>;
  stdout: string[];
  stderr: string[];
  apiUrl: string;
  demoKey: string;
  databaseUrl: string;
  apiPid: number;
}

function startNpmStart(): Promise<NpmStart> {
  const child = spawn(process.execPath, ['--conditions=@bmx/source', '--import', 'tsx', path.join(root, 'tools/dev-stack/src/start.ts')], {
    cwd: root,
    // Free ports, no demo, no DATABASE_URL (so the embedded database), and a developer's running stack file left alone.
    env: { ...process.env, PORT: '0', LOCAL_S3_SQS_PORT: '0', LOCAL_LAMBDA_PORT: '0', BMX_SKIP_DEMO: '1', BMX_WRITE_STACK_FILE: '0', DATABASE_URL: '', BMX_ENV: `c${Date.now().toString(36)}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => stderr.push(line));
  return new Promise((resolve, reject) => {
    void exited.then(({ code }) => reject(new Error(`npm start exited (code ${code}) before it was ready:\n${stderr.join('\n')}`)));
    const found: Partial<NpmStart> = {};
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      stdout.push(line);
      found.apiUrl ??= /\[start\] API on (http:\/\/\S+)/.exec(line)?.[1];
      found.demoKey ??= /demo admin API key for this run \(send as X-API-Key\): (\S+)/.exec(line)?.[1];
      found.databaseUrl ??= /embedded PostgreSQL \(PGlite\) on (postgres:\/\/[^\s,]+)/.exec(line)?.[1];
      const pid = /^\[start\] \[api\] \{.*"pid":(\d+)/.exec(line)?.[1];
      if (pid) found.apiPid ??= Number(pid);
      if (found.apiUrl && found.demoKey && found.databaseUrl && found.apiPid) {
        resolve({ child, exited, stdout, stderr, apiUrl: found.apiUrl, demoKey: found.demoKey, databaseUrl: found.databaseUrl, apiPid: found.apiPid });
      }
    });
  });
}

interface ImageView {
  id: number;
  url: string;
  thumbnail_url: string;
  is_primary: boolean;
  display_order: number;
}

interface Answer {
  kind: string;
  status: number;
  body: unknown;
}

const CONCURRENT = 50;

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomBytes(1)[0]! % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('npm start under 50 concurrent requests', () => {
  let stack: NpmStart;
  const call = async (kind: string, route: string, init: RequestInit = {}, key = stack.demoKey): Promise<Answer> => {
    const response = await fetch(`${stack.apiUrl}${route}`, { ...init, headers: { 'x-api-key': key, ...(init.headers ?? {}) } });
    const text = await response.text();
    return { kind, status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const upload = (bytes: Buffer) => {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg');
    return form;
  };

  // npm start bundles every app, synthesizes four stacks and provisions them: 2 minutes alone, more beside the other
  // e2e files on a busy 2-core machine.
  beforeAll(async () => {
    stack = await startNpmStart();
    expect(stack.databaseUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
  }, 600_000);

  afterAll(async () => {
    if (stack && stack.child.exitCode === null && stack.child.signalCode === null) {
      stack.child.kill('SIGTERM');
      await stack.exited;
    }
  });

  it('answers every request correctly, with no 5xx, and stays up', async () => {
    const book = await call('create', '/api/v1/books', {
      method: 'POST',
      body: JSON.stringify({ title: 'The Anatomy of Melancholy', author: 'Robert Burton' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(book.status).toBe(201);
    const bookId = (book.body as { id: number }).id;
    const photo = await demoBookPhoto();
    const originals: number[] = [];
    for (let i = 0; i < 4; i++) {
      const uploaded = await call('upload', `/api/v1/books/${bookId}/images`, { method: 'POST', body: upload(Buffer.concat([photo, Buffer.from([i])])) });
      expect(uploaded.status).toBe(201);
      originals.push((uploaded.body as { image: { id: number } }).image.id);
    }
    const identical = Buffer.concat([photo, Buffer.from('identical')]);

    const requests = Array.from({ length: CONCURRENT }, (_, i): Promise<Answer> => {
      switch (i % 8) {
        case 0:
        case 1: {
          const order = shuffled(originals);
          return call('reorder', `/api/v1/books/${bookId}/images/reorder`, {
            method: 'PUT',
            body: JSON.stringify({ image_ids: order }),
            headers: { 'content-type': 'application/json' },
          });
        }
        case 2:
          return call('identical upload', `/api/v1/books/${bookId}/images`, { method: 'POST', body: upload(identical) });
        case 3:
        case 4:
          return call('list', `/api/v1/books/${bookId}/images`);
        case 5:
          return call('deep health', '/health/deep');
        case 6:
          return call('book', `/api/v1/books/${bookId}`);
        default:
          return call('wrong key', `/api/v1/books/${bookId}`, {}, `bmx_${randomBytes(16).toString('hex')}`);
      }
    });
    const answers = await Promise.all(requests);

    // A 5xx shows the API's own error lines beside it.
    const serverErrors = answers.filter((a) => a.status >= 500);
    expect(serverErrors.length === 0 ? [] : { serverErrors, logged: stack.stdout.filter((line) => /"level":50/.test(line)) }).toEqual([]);
    const wrong = (kind: string, expected: (a: Answer) => boolean) => answers.filter((a) => a.kind === kind && !expected(a));
    const hasOriginals = (images: ImageView[]) => originals.every((id) => images.some((image) => image.id === id));
    const onePrimary = (images: ImageView[]) => images.filter((image) => image.is_primary).length === 1;
    const withUrls = (images: ImageView[]) => images.every((image) => image.url.startsWith('http') && image.thumbnail_url.startsWith('http'));

    expect(wrong('reorder', (a) => a.status === 200 && hasOriginals((a.body as { images: ImageView[] }).images) && onePrimary((a.body as { images: ImageView[] }).images))).toEqual([]);
    expect(wrong('list', (a) => a.status === 200 && hasOriginals((a.body as { images: ImageView[] }).images) && withUrls((a.body as { images: ImageView[] }).images))).toEqual([]);
    expect(wrong('book', (a) => a.status === 200 && (a.body as { id: number }).id === bookId)).toEqual([]);
    expect(wrong('wrong key', (a) => a.status === 401)).toEqual([]);
    expect(wrong('deep health', (a) => a.status === 200 && (a.body as { checks: { name: string; status: string }[] }).checks.some((c) => c.name === 'database' && c.status === 'healthy'))).toEqual([]);

    // Identical bytes: one upload registered them, every other one got that same image back as a duplicate.
    const uploads = answers.filter((a) => a.kind === 'identical upload');
    expect(uploads.length).toBeGreaterThan(1);
    expect(uploads.filter((a) => a.status === 201)).toHaveLength(1);
    expect(uploads.filter((a) => a.status === 200)).toHaveLength(uploads.length - 1);
    const ids = new Set(uploads.map((a) => (a.body as { image: { id: number } }).image.id));
    expect(ids.size).toBe(1);
    expect(uploads.filter((a) => (a.body as { duplicate: boolean }).duplicate === false)).toHaveLength(1);

    // Afterwards the API answers; once the image processor (driven by the reorders' new primaries, working on the
    // same database meanwhile) has finished, the gallery is consistent: the originals and the duplicate once each,
    // one processed image per completed job, one primary, no two images in the same place.
    expect((await call('live', '/health/live')).status).toBe(200);
    const db = connectPostgres(stack.databaseUrl, 1);
    try {
      await waitFor(
        'the image processing jobs to finish',
        async () => (await db.selectFrom('image_processing_jobs').select('id').where('status', 'in', ['pending', 'processing']).execute()).length === 0,
        { timeoutMs: 120_000 },
      );
      const completed = await db.selectFrom('image_processing_jobs').select('id').where('book_id', '=', bookId).where('status', '=', 'completed').execute();
      const after = await call('list', `/api/v1/books/${bookId}/images`);
      expect(after.status).toBe(200);
      const images = (after.body as { images: (ImageView & { is_background_processed: boolean })[] }).images;
      expect(hasOriginals(images)).toBe(true);
      expect(images.filter((image) => ids.has(image.id))).toHaveLength(1);
      expect(images.filter((image) => image.is_background_processed)).toHaveLength(completed.length);
      expect(images).toHaveLength(originals.length + 1 + completed.length);
      expect(onePrimary(images)).toBe(true);
      expect(new Set(images.map((image) => image.display_order)).size).toBe(images.length);
    } finally {
      await db.destroy();
    }
  });

  it('says so, stops everything and exits non-zero when the API process dies', async () => {
    process.kill(stack.apiPid, 'SIGKILL');
    await expect(stack.exited).resolves.toEqual({ code: 1, signal: null });
    expect(stack.stderr).toContain('npm start: the API process stopped (killed by SIGKILL); stopping everything');
  });
});
