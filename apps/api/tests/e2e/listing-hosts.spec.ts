// The scraper is asked to fetch listing pages of eBay's sites only: hostile URLs are a 400 naming body.url and the
// scraper is never invoked for them; ebay.us short links are resolved by the API through a local stand-in of ebay.us,
// following redirects only within the list, and the scraper gets the listing URL they lead to.
import { invokeJson, LambdaStatusError } from '@bmx/aws-clients';
import { createServer, type Server } from 'node:http';
import { buildApp } from '../../src/app';
import type { ApiApp } from '../../src/app-deps';
import { fetchHop, MAX_SHORT_LINK_REDIRECTS, type FetchHop } from '../../src/listing-url';
import { testEnvironmentName, type TestDeployment } from '@bmx/deploy/testing';
import { closedPort, deployScraperStandIn, objectExists, readObject, startTestApi, type TestApi } from './support';

describe('listing hosts the scraper may fetch', () => {
  let api: TestApi;
  let app: ApiApp;
  let shortLinks: Server;
  const scraperEnv = testEnvironmentName();
  let standIn: TestDeployment | undefined;
  let scraper: string;
  /** Every URL the API requested while resolving short links. */
  const requested: string[] = [];
  let counter = 0;
  const nextId = () => `hostile-${++counter}`;

  beforeAll(async () => {
    // Plays ebay.us: each path answers one way.
    const routes: Record<string, [number, string?]> = {
      '/book': [301, 'https://www.ebay.com/itm/Some-Old-Book/234567890123?_trksid=p1'],
      '/relative': [302, '/book'],
      '/chain': [302, 'https://EBAY.US./relative'],
      '/loop': [302, 'https://ebay.us/loop'],
      '/metadata': [302, 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
      '/internal': [307, 'http://127.0.0.1:5432/'],
      '/userinfo': [302, 'https://www.ebay.com@evil.example/itm/1'],
      '/lookalike': [302, 'https://www.ebay.com.evil.example/itm/1'],
      '/gone': [404],
    };
    shortLinks = createServer((req, res) => {
      const [status, location] = routes[req.url ?? ''] ?? [404];
      res.writeHead(status, location ? { location } : {}).end('<html></html>');
    });
    await new Promise<void>((resolve) => shortLinks.listen(0, '127.0.0.1', resolve));
    const { port } = shortLinks.address() as { port: number };
    // The real hop, sent to the stand-in's address instead of ebay.us's: only where it connects differs.
    const hop: FetchHop = (url, signal) => {
      requested.push(url.href);
      return fetchHop(new URL(`${url.pathname}${url.search}`, `http://127.0.0.1:${port}`), signal);
    };
    api = await startTestApi('listing-hosts', { BMX_ENV: scraperEnv });
    standIn = await deployScraperStandIn(api, { envName: scraperEnv });
    scraper = standIn.functionName('scraper-stand-in');
    app = await buildApp({ db: api.test.db, config: api.config, logger: false, shortLinkHop: hop });
  }, 120_000);
  afterAll(async () => {
    await standIn?.remove();
    await app.close();
    await new Promise<void>((resolve) => shortLinks.close(() => resolve()));
    await api.close();
  });

  const post = (path: string, payload: object) => app.inject({ method: 'POST', url: `/api/v1/listings/${path}`, headers: { 'x-api-key': api.keys.editor }, payload });

  const hostile = [
    'https://evil.example.com/itm/123456789',
    'http://127.0.0.1/itm/123456789',
    'http://localhost:3000/itm/123456789',
    'http://169.254.169.254/latest/meta-data/',
    'http://2852039166/latest/meta-data/',
    'http://[::1]/itm/123456789',
    'https://www.ebay.com@evil.example/itm/123456789',
    'https://www.ebay.com.evil.example/itm/123456789',
    'https://www.ebаy.com/itm/123456789',
    'https://www.xn--eby-7cd.com/itm/123456789',
    'https://www.ebay.com../itm/123456789',
    'https://www.ebay.com:8443/itm/123456789',
    `https://www.ebay.com/itm/123456789?q=${'a'.repeat(2100)}`,
  ];

  it.each(hostile)('refuses %s with 400 naming body.url, on both routes, and never invokes the scraper', async (url) => {
    for (const route of ['extract', 'extract-async']) {
      const itemId = nextId();
      const res = await post(route, { url, item_id: itemId });
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe('body.url');
      expect(await objectExists(api.bucket, `listings/${itemId}/page.html`)).toBe(false);
    }
  });

  it('scrapes eBay listing URLs in any case and with a trailing dot, passing the normalised URL on', async () => {
    const res = await post('extract', { url: 'https://WWW.EBAY.CO.UK./itm/Book/345678901234#photos' });
    expect(res.statusCode).toBe(200);
    expect(res.json().item_id).toBe('345678901234');
    const page = await readObject(api.bucket, 'listings/345678901234/page.html');
    expect(page?.bytes.toString()).toContain('href="https://www.ebay.co.uk/itm/Book/345678901234"');
  });

  it('resolves an ebay.us short link within the list and scrapes the listing it leads to', async () => {
    requested.length = 0;
    const res = await post('extract', { url: 'https://ebay.us/chain' });
    expect(res.statusCode).toBe(200);
    expect(res.json().item_id).toBe('234567890123');
    expect(requested).toEqual(['https://ebay.us/chain', 'https://ebay.us/relative', 'https://ebay.us/book']);
    const page = await readObject(api.bucket, 'listings/234567890123/page.html');
    expect(page?.bytes.toString()).toContain('https://www.ebay.com/itm/Some-Old-Book/234567890123?_trksid=p1');

    const started = await post('extract-async', { url: 'https://ebay.us/book' });
    expect(started.statusCode).toBe(202);
    expect(started.json().item_id).toBe('234567890123');
  });

  it.each([
    ['/metadata', /169\.254\.169\.254 is not a listing site/],
    ['/internal', /127\.0\.0\.1 is not a listing site|no port/],
    ['/userinfo', /user name or password/],
    ['/lookalike', /www\.ebay\.com\.evil\.example is not/],
    ['/loop', new RegExp(`more than ${MAX_SHORT_LINK_REDIRECTS} times`)],
    ['/gone', /does not lead to a listing \(ebay\.us answered 404/],
  ])('refuses a short link %s whose redirects leave the list, requesting nothing outside ebay.us', async (path, reason) => {
    requested.length = 0;
    const itemId = nextId();
    const res = await post('extract', { url: `https://ebay.us${path}`, item_id: itemId });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'body.url', message: expect.stringMatching(reason) });
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.length).toBeLessThanOrEqual(MAX_SHORT_LINK_REDIRECTS);
    for (const url of requested) expect(new URL(url).hostname).toBe('ebay.us');
    expect(await objectExists(api.bucket, `listings/${itemId}/page.html`)).toBe(false);
  });

  it('answers 503 naming ebay.us, without its address, when the short-link server cannot be reached', async () => {
    const port = await closedPort();
    const unreachable = await buildApp({
      db: api.test.db,
      config: api.config,
      logger: false,
      shortLinkHop: (url, signal) => fetchHop(new URL(url.pathname, `http://127.0.0.1:${port}`), signal),
    });
    try {
      const res = await unreachable.inject({ method: 'POST', url: '/api/v1/listings/extract', headers: { 'x-api-key': api.keys.editor }, payload: { url: 'https://ebay.us/book' } });
      expect(res.statusCode).toBe(503);
      expect(res.json().message).toMatch(/^ebay\.us is unavailable( \(ECONNREFUSED\))?$/);
      expect(res.body).not.toContain(String(port));
    } finally {
      await unreachable.close();
    }
  });

  it('has the scraper itself refuse a URL off the list, should anything invoke it directly', async () => {
    const error = await invokeJson(scraper, { url: 'http://169.254.169.254/latest/meta-data/', item_id: 'direct-1', fetch_images: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaStatusError);
    expect(error).toMatchObject({ statusCode: 400, body: { error: expect.stringMatching(/169\.254\.169\.254 is not a listing site/) } });
    const shortLink = await invokeJson(scraper, { url: 'https://ebay.us/book', item_id: 'direct-2', fetch_images: true }).catch((e: unknown) => e);
    expect(shortLink).toMatchObject({ statusCode: 400 });
    expect(await objectExists(api.bucket, 'listings/direct-1/page.html')).toBe(false);
    expect(await objectExists(api.bucket, 'listings/direct-2/page.html')).toBe(false);
  });

  it('documents the allowed hosts in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const schema = doc.paths['/api/v1/listings/extract'].post.requestBody.content['application/json'].schema;
    expect(schema.properties.url.description).toMatch(/ebay\.com.*ebay\.co\.uk.*ebay\.us/s);
  });
});
