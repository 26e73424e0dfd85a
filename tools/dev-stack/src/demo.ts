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
  const uploaded = await call<{ id: number }>(options, 'POST', `/api/v1/books/${book.id}/images?image_type=cover`, form);
  options.log(`demo: uploaded image ${uploaded.id}; waiting for the image processor`);
  const deadline = Date.now() + (options.waitSeconds ?? 90) * 1000;
  for (;;) {
    const images = await call<{ is_background_processed?: boolean }[] | { images: { is_background_processed?: boolean }[] }>(
      options,
      'GET',
      `/api/v1/books/${book.id}/images`,
    );
    const list = Array.isArray(images) ? images : images.images;
    if (list.some((image) => image.is_background_processed)) {
      options.log(`demo: processed image is in place (${list.length} images on book ${book.id})`);
      return { bookId: book.id, images: list };
    }
    if (Date.now() > deadline) throw new Error('demo: the processed image did not appear in time');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
