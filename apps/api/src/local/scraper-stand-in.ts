/**
 * LOCAL STAND-IN for the listing scraper Lambda (`bmx-{env}-scraper`). It does not fetch anything: it writes
 * a listing page and one small JPEG to `listings/{item_id}/` in the bucket named by `LISTINGS_BUCKET` (else
 * `IMAGES_BUCKET`), so the API's listing routes can run end to end on the local Lambda server.
 *
 * `SCRAPER_STAND_IN_MODE` picks how it behaves, to exercise the API's error mapping:
 * `ok` (default), `rate-limited` (returns statusCode 429), `bad-gateway` (returns statusCode 500), `throw` (raises).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getS3Client } from '@bmx/aws-clients';
import { withSmokeTest } from '@bmx/lambda-kit';
import { checkListingUrl } from '../listing-url';

/** What the API sends. */
export interface ScrapeEvent {
  url: string;
  fetch_images?: boolean;
  item_id: string;
}

/** An 8×8 JPEG, so the stand-in needs no image library. */
const SAMPLE_JPEG = Buffer.from(
  '/9j/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAIAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAX/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABAX/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCSAEov/9k=',
  'base64',
);

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

// The stand-in needs nothing to answer the deploy's smoke test: no database, and S3 only when it scrapes.
export const handler = withSmokeTest(async () => undefined, scrape);

async function scrape(event: ScrapeEvent): Promise<{ statusCode: number; body: string }> {
  const mode = process.env['SCRAPER_STAND_IN_MODE'] ?? 'ok';
  if (mode === 'throw') throw new Error(`stand-in scraper failed on purpose for ${event.url}`);
  if (mode === 'rate-limited') return { statusCode: 429, body: JSON.stringify({ error: 'rate limited by the listing site', retry_after: 17 }) };
  if (mode === 'bad-gateway') return { statusCode: 500, body: JSON.stringify({ error: 'the listing page could not be parsed' }) };

  if (!event?.item_id || !/^[A-Za-z0-9_-]{1,64}$/.test(event.item_id) || typeof event.url !== 'string') {
    return { statusCode: 400, body: JSON.stringify({ error: 'item_id and url are required' }) };
  }
  // The scraper's side of the host rule: it fetches listing pages only (the API resolves short links first).
  const listing = checkListingUrl(event.url);
  if (!listing.ok || listing.kind !== 'listing') {
    return { statusCode: 400, body: JSON.stringify({ error: `not a listing page the scraper fetches: ${listing.ok ? 'a short link' : listing.reason}` }) };
  }
  const url = listing.url.href;
  const bucket = process.env['LISTINGS_BUCKET'] || process.env['IMAGES_BUCKET'];
  if (!bucket) throw new Error('LISTINGS_BUCKET (or IMAGES_BUCKET) is not set');
  const prefix = `listings/${event.item_id}/`;
  const s3 = getS3Client();
  const images: string[] = [];
  if (event.fetch_images) {
    const key = `${prefix}images/001.jpg`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: SAMPLE_JPEG, ContentType: 'image/jpeg' }));
    images.push(key);
  }
  // The page goes last: the API calls a scrape done when the page and an image are there.
  const html = `<!doctype html><html><head><title>Listing ${event.item_id} (local stand-in)</title></head><body><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></body></html>`;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}page.html`, Body: html, ContentType: 'text/html; charset=utf-8' }));
  return { statusCode: 200, body: JSON.stringify({ item_id: event.item_id, title: `Listing ${event.item_id}`, page_key: `${prefix}page.html`, images }) };
}
