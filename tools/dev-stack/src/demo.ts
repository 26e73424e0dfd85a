import sharp from 'sharp';

/** A photo-like test image: a dark book with a light label on a pale, slightly uneven background. */
export async function demoBookPhoto(): Promise<Buffer> {
  const width = 800;
  const height = 600;
  const book = await sharp({ create: { width: 300, height: 420, channels: 3, background: '#5a2d1c' } })
    .composite([{ input: await sharp({ create: { width: 180, height: 60, channels: 3, background: '#e8d9a8' } }).png().toBuffer(), top: 80, left: 60 }])
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: '#efefea' } })
    .composite([{ input: book, top: 90, left: 250 }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

interface DemoImage {
  id: number;
  s3_key: string;
  url: string;
  is_primary: boolean;
  is_background_processed: boolean;
}

interface DemoOptions {
  apiUrl: string;
  apiKey: string;
  log: (line: string) => void;
  /** How long to wait for the image processor, in seconds. */
  waitSeconds?: number;
}

async function call<T>(options: DemoOptions, method: string, route: string, body?: string | FormData, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(`${options.apiUrl}${route}`, { method, body, headers: { 'x-api-key': options.apiKey, ...headers } });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route} → ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * The end-to-end demo: create a book, upload a photo through the API (S3 + a processing job on SQS), and wait for
 * the image processor Lambda (driven by the local SQS poller) to add the processed image.
 */
export async function runDemo(options: DemoOptions): Promise<{ bookId: number; images: unknown[] }> {
  const book = await call<{ id: number }>(
    options,
    'POST',
    '/api/v1/books',
    JSON.stringify({ title: 'The Compleat Angler', author: 'Izaak Walton' }),
    { 'content-type': 'application/json' },
  );
  options.log(`demo: created book ${book.id}`);
  const form = new FormData();
  form.append('file', new Blob([await demoBookPhoto()], { type: 'image/jpeg' }), 'cover.jpg');
  const uploaded = await call<{ image: DemoImage; processing_job?: { job_id: string; outcome: string } }>(options, 'POST', `/api/v1/books/${book.id}/images`, form);
  options.log(`demo: uploaded image ${uploaded.image.id} (${uploaded.image.s3_key}); processing job ${uploaded.processing_job?.job_id ?? 'none'} (${uploaded.processing_job?.outcome ?? 'not queued'})`);
  const deadline = Date.now() + (options.waitSeconds ?? 90) * 1000;
  for (;;) {
    const { images } = await call<{ images: DemoImage[] }>(options, 'GET', `/api/v1/books/${book.id}/images`);
    const processed = images.find((image) => image.is_background_processed);
    if (processed) {
      options.log(`demo: the image processor added ${processed.s3_key} as the primary image (${images.length} images on book ${book.id})`);
      options.log(`demo: processed image URL: ${processed.url}`);
      return { bookId: book.id, images };
    }
    if (Date.now() > deadline) throw new Error('demo: the processed image did not appear in time');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
