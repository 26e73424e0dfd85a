import { Type } from '@fastify/type-provider-typebox';
import { invokeJson, LambdaFunctionError, LambdaStatusError, REQUEST_PATH_PROFILE } from '@bmx/aws-clients';
import type { ApiApp, AppDeps } from '../app-deps';
import { badRequest, callDependency, DependencyError, HttpError, publicErrorCode } from '../errors';
import { ListingUrlError, resolveListingUrl, type FetchHop } from '../listing-url';
import { errors, ExtractBody, ItemId } from '../schemas';
import { listObjects, presignedUrl } from '../services/storage';

const tags = ['listings'];
const IMAGE_EXTENSION = /\.(jpe?g|png|webp|gif)$/i;
/** Seconds a client is told to wait when the scraper is rate limited and says nothing more precise. */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** The item id: given, else the number in the listing URL's `/itm/{id}` path. */
function itemIdOf(itemId: string | undefined, listing: URL): string {
  if (itemId) return itemId;
  const match = /^\/itm\/(?:[^/]+\/)?(\d{6,20})(?:\/|$)/.exec(listing.pathname);
  if (!match?.[1]) throw badRequest('item_id is required when the URL has no /itm/{id} part', 'body.item_id');
  return match[1];
}

/**
 * What the scraper is asked to fetch: the listing URL after the host rule (a short link resolved through allowed
 * hosts only), normalised, and its item id. A refused URL is a 400 naming `body.url`; ebay.us failing is a 503.
 */
async function scrapeTarget(body: { url: string; item_id?: string }, hop: FetchHop | undefined): Promise<{ url: string; itemId: string }> {
  let listing: URL;
  try {
    listing = await resolveListingUrl(body.url, { hop });
  } catch (error) {
    if (error instanceof ListingUrlError) throw badRequest(`The scraper does not fetch this URL: ${error.message}`, 'body.url');
    throw new DependencyError('ebay.us', error);
  }
  return { url: listing.href, itemId: itemIdOf(body.item_id, listing) };
}

const prefixOf = (itemId: string) => `listings/${itemId}/`;

function retryAfterOf(body: unknown): string {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const value = Number(record['retry_after'] ?? record['retryAfter'] ?? record['retry_after_seconds']);
  return String(Number.isFinite(value) && value > 0 ? Math.ceil(value) : DEFAULT_RETRY_AFTER_SECONDS);
}

/** `: {reason}` from the `error` (or `message`) string of a scraper's status answer, else nothing. */
function scraperReason(body: unknown): string {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const reason = [record['error'], record['message']].find((value): value is string => typeof value === 'string' && value.length > 0);
  return reason ? `: ${reason.slice(0, 300)}` : '';
}

/** The scraper's result body: API Gateway-style `{statusCode, body}` is unwrapped. */
function unwrap(result: unknown): unknown {
  if (result && typeof result === 'object' && 'statusCode' in result && 'body' in result) {
    const body = (result as { body: unknown }).body;
    if (typeof body === 'string') {
      try {
        return JSON.parse(body);
      } catch {
        return body;
      }
    }
    return body;
  }
  return result;
}

/** Listing scrapes through the scraper Lambda: start one, poll it, or run one synchronously. */
export function listingRoutes(app: ApiApp, { config, shortLinkHop }: AppDeps): void {
  const scraper = config.scraperFunctionName;
  const bucket = config.listingsBucket;
  const statusUrl = (itemId: string) => `/api/v1/listings/extract/${itemId}/status`;

  app.post(
    '/api/v1/listings/extract-async',
    {
      config: { access: 'editor' },
      schema: {
        tags,
        summary: 'Start scraping a listing (returns at once)',
        description: `Only eBay listing URLs and ebay.us short links (see \`url\`); others are a 400. Done already when \`listings/{itemId}/\` has objects; otherwise invokes the scraper with InvocationType Event.`,
        body: ExtractBody,
        response: {
          202: Type.Object({ item_id: Type.String(), status: Type.Union([Type.Literal('done'), Type.Literal('started')]), status_url: Type.String() }),
          ...errors(400, 401, 403, 503),
        },
      },
    },
    async (request, reply) => {
      const { url, itemId } = await scrapeTarget(request.body, shortLinkHop);
      const existing = await listObjects(bucket, prefixOf(itemId), 1);
      if (existing.length > 0) return reply.status(202).send({ item_id: itemId, status: 'done' as const, status_url: statusUrl(itemId) });
      await callDependency('The scraper Lambda', () =>
        invokeJson(scraper, { url, fetch_images: true, item_id: itemId }, { invocationType: 'Event', profile: REQUEST_PATH_PROFILE }),
      );
      return reply.status(202).send({ item_id: itemId, status: 'started' as const, status_url: statusUrl(itemId) });
    },
  );

  app.get(
    '/api/v1/listings/extract/:itemId/status',
    {
      schema: {
        tags,
        summary: 'Whether a scrape is done; when it is, presigned URLs of its images',
        params: Type.Object({ itemId: ItemId }),
        response: {
          200: Type.Object({
            item_id: Type.String(),
            status: Type.Union([Type.Literal('done'), Type.Literal('pending')]),
            has_page: Type.Boolean(),
            image_count: Type.Integer(),
            images: Type.Array(Type.Object({ key: Type.String(), url: Type.String() })),
          }),
          ...errors(400, 401, 403, 503),
        },
      },
    },
    async (request) => {
      const { itemId } = request.params;
      const prefix = prefixOf(itemId);
      const objects = await listObjects(bucket, prefix);
      const keys = objects.map((o) => o.Key ?? '');
      const hasPage = keys.includes(`${prefix}page.html`);
      const imageKeys = keys.filter((key) => IMAGE_EXTENSION.test(key)).sort();
      const done = hasPage && imageKeys.length > 0;
      const images = done
        ? await callDependency('S3', () =>
            Promise.all(imageKeys.map(async (key) => ({ key, url: await presignedUrl({ ...config, bucket }, key) }))),
          )
        : [];
      return { item_id: itemId, status: done ? ('done' as const) : ('pending' as const), has_page: hasPage, image_count: imageKeys.length, images };
    },
  );

  app.post(
    '/api/v1/listings/extract',
    {
      config: { access: 'editor' },
      schema: {
        tags,
        summary: 'Scrape a listing synchronously (up to minutes)',
        description: 'Only eBay listing URLs and ebay.us short links (see `url`); others are a 400. Scraper failures are 502; a rate-limited scraper is 429 with Retry-After.',
        body: ExtractBody,
        response: { 200: Type.Object({ item_id: Type.String(), result: Type.Unknown() }), ...errors(400, 401, 403, 429, 502, 503) },
      },
    },
    async (request) => {
      const { url, itemId } = await scrapeTarget(request.body, shortLinkHop);
      let result: unknown;
      try {
        result = await invokeJson(scraper, { url, fetch_images: true, item_id: itemId }, { profile: 'longCall' });
      } catch (error) {
        // An unhandled error's message is the scraper's internals: the client gets its type, the log the rest.
        if (error instanceof LambdaFunctionError) {
          const type = publicErrorCode({ name: error.errorType });
          throw new HttpError(502, `The scraper failed${type ? ` (${type})` : ''}`, undefined, {}, error);
        }
        // A status answer is the scraper speaking to clients: its own reason is passed on, the function's name is not.
        if (error instanceof LambdaStatusError) {
          const reason = scraperReason(error.body);
          if (error.statusCode === 429) {
            throw new HttpError(429, `The scraper is rate limited${reason}`, undefined, { 'Retry-After': retryAfterOf(error.body) }, error);
          }
          throw new HttpError(502, `The scraper could not scrape the listing${reason}`, undefined, {}, error);
        }
        throw new DependencyError('The scraper Lambda', error);
      }
      return { item_id: itemId, result: unwrap(result) };
    },
  );
}
