import type { ApiApp } from '../../src/app-deps';
import { deployAllForTest, testEnvironmentName, type TestDeployment } from '@bmx/deploy/testing';
import { deployScraperStandIn, objectExists, standIn, startTestApi, uniqueName, type TestApi } from './support';

describe('listing scrapes through the scraper Lambda (local stand-in)', () => {
  let api: TestApi;
  // One environment per stand-in mode: the API finds each one's scraper by BMX_ENV (bmx-{env}-scraper).
  const envs = { ok: testEnvironmentName(), rateLimited: testEnvironmentName(), badGateway: testEnvironmentName(), throws: testEnvironmentName() };
  const names: Record<keyof typeof envs, string> = { ok: '', rateLimited: '', badGateway: '', throws: '' };
  const apps: Record<string, ApiApp> = {};
  let deployments: TestDeployment[] = [];

  beforeAll(async () => {
    api = await startTestApi('listings', { BMX_ENV: envs.ok });
    deployments = await deployAllForTest([
      standIn(api, envs.ok),
      standIn(api, envs.rateLimited, 'rate-limited'),
      standIn(api, envs.badGateway, 'bad-gateway'),
      standIn(api, envs.throws, 'throw'),
    ]);
    (Object.keys(envs) as (keyof typeof envs)[]).forEach((mode, i) => (names[mode] = deployments[i]!.functionName('scraper-stand-in')));
    apps['rateLimited'] = await api.variant({ BMX_ENV: envs.rateLimited });
    apps['badGateway'] = await api.variant({ BMX_ENV: envs.badGateway });
    apps['throws'] = await api.variant({ BMX_ENV: envs.throws });
    apps['missing'] = await api.variant({ SCRAPER_FUNCTION_NAME: uniqueName('api-scraper-missing') });
  }, 180_000);
  afterAll(async () => {
    await Promise.all(deployments.map((deployment) => deployment.remove()));
    await api.close();
  });

  const post = (app: ApiApp, url: string, payload: object, key = api.keys.editor) =>
    app.inject({ method: 'POST', url, headers: { 'x-api-key': key }, payload });
  const status = (itemId: string) =>
    api.app.inject({ method: 'GET', url: `/api/v1/listings/extract/${itemId}/status`, headers: { 'x-api-key': api.keys.viewer } });

  it('starts an async scrape (202), which the status route reports done with presigned image URLs', async () => {
    const res = await post(api.app, '/api/v1/listings/extract-async', { url: 'https://www.ebay.com/itm/some-book/1234567890' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ item_id: '1234567890', status: 'started', status_url: '/api/v1/listings/extract/1234567890/status' });

    let body: { status: string; has_page: boolean; images: { key: string; url: string }[] } | undefined;
    for (let i = 0; i < 100; i++) {
      body = (await status('1234567890')).json();
      if (body?.status === 'done') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toMatchObject({ status: 'done', has_page: true, image_count: 1 });
    expect(body!.images[0]!.key).toBe('listings/1234567890/images/001.jpg');
    const image = await fetch(body!.images[0]!.url);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');

    const again = await post(api.app, '/api/v1/listings/extract-async', { url: 'https://www.ebay.com/itm/1234567890' });
    expect(again.statusCode).toBe(202);
    expect(again.json().status).toBe('done');
  });

  it('reports pending for an item nobody scraped', async () => {
    expect((await status('never-scraped')).json()).toEqual({ item_id: 'never-scraped', status: 'pending', has_page: false, image_count: 0, images: [] });
  });

  it('scrapes synchronously through the long-call client and returns the result', async () => {
    const res = await post(api.app, '/api/v1/listings/extract', { url: 'https://www.ebay.com/itm/456789012345', item_id: 'sync-1' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ item_id: 'sync-1', result: { item_id: 'sync-1', page_key: 'listings/sync-1/page.html' } });
    expect(await objectExists(api.bucket, 'listings/sync-1/page.html')).toBe(true);
  });

  it('maps a rate-limited scraper (statusCode 429) to 429 with Retry-After', async () => {
    const res = await post(apps['rateLimited']!, '/api/v1/listings/extract', { url: 'https://www.ebay.com/itm/x', item_id: 'rl' });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('17');
    expect(res.json().message).toMatch(/rate limited/);
  });

  it('maps a scraper error status to 502 with the reason', async () => {
    const res = await post(apps['badGateway']!, '/api/v1/listings/extract', { url: 'https://www.ebay.com/itm/x', item_id: 'bg' });
    expect(res.statusCode).toBe(502);
    expect(res.json().message).toBe('The scraper could not scrape the listing: the listing page could not be parsed');
  });

  it('maps a scraper that throws (FunctionError) to 502 with the reason', async () => {
    const res = await post(apps['throws']!, '/api/v1/listings/extract', { url: 'https://www.ebay.com/itm/x', item_id: 'th' });
    expect(res.statusCode).toBe(502);
    // The function's own message is its internals (here it echoes the URL): the client gets the error's type at most.
    expect(res.json().message).toBe('The scraper failed');
    expect(res.body).not.toContain(names.throws);
  });

  it('answers 503 when the scraper function does not exist', async () => {
    const sync = await post(apps['missing']!, '/api/v1/listings/extract', { url: 'https://www.ebay.com/itm/x', item_id: 'm1' });
    expect(sync.statusCode).toBe(503);
    expect(sync.json().message).toMatch(/scraper Lambda is unavailable.*ResourceNotFound/);
    const async = await post(apps['missing']!, '/api/v1/listings/extract-async', { url: 'https://www.ebay.com/itm/x', item_id: 'm2' });
    expect(async.statusCode).toBe(503);
  });

  it('redeploys the stand-in in place, saying what changed (npm start runs it on every start)', async () => {
    const redeployed = await deployScraperStandIn(api, { envName: envs.badGateway, mode: 'ok' });
    const [result] = redeployed.results.flatMap((stack) => stack.functions);
    expect(result).toMatchObject({ name: names.badGateway, created: false, version: '2', previousVersion: '1', changed: ['environment (SCRAPER_STAND_IN_MODE)'], smokeTest: 'passed' });
    const res = await post(apps['badGateway']!, '/api/v1/listings/extract', { url: 'https://www.ebay.com/itm/x', item_id: 'redeployed' });
    expect(res.statusCode).toBe(200);
  }, 120_000);

  it('validates its input and needs an editor key', async () => {
    const noId = await post(api.app, '/api/v1/listings/extract-async', { url: 'https://www.ebay.com/sch/no-item-here' });
    expect(noId.statusCode).toBe(400);
    expect(noId.json().field).toBe('body.item_id');
    const badUrl = await post(api.app, '/api/v1/listings/extract', { url: 'ftp://www.ebay.com/x', item_id: 'a' });
    expect(badUrl.json()).toMatchObject({ statusCode: 400, field: 'body.url' });
    const badId = await post(api.app, '/api/v1/listings/extract', { url: 'https://www.ebay.com/itm/x', item_id: '../etc' });
    expect(badId.json()).toMatchObject({ statusCode: 400, field: 'body.item_id' });
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/listings/extract/a%2Fb/status', headers: { 'x-api-key': api.keys.viewer } })).statusCode).toBe(400);
    expect((await post(api.app, '/api/v1/listings/extract', { url: 'https://www.ebay.com/itm/x', item_id: 'a' }, api.keys.viewer)).statusCode).toBe(403);
  });
});
