/**
 * Which URLs the listing scraper may be asked to fetch: one rule for the API (before it invokes the scraper) and the
 * scraper itself (the local stand-in refuses the rest too), so the scraper is never a way into our network.
 *
 * A URL passes when, after WHATWG URL parsing (which lowercases the host, maps IDN hosts to punycode and reads
 * numeric hosts as IP addresses), it is http(s), at most {@link MAX_LISTING_URL_LENGTH} characters, carries no user
 * name or password and no port, and its host is one of {@link LISTING_HOSTS} exactly (one trailing dot allowed). What
 * goes on to the scraper is the normalised URL (https, host without the dot, no fragment), never the raw text, so a
 * parser that reads the text differently never sees it. `ebay.us` short links are followed only through hosts on the
 * list, at most {@link MAX_SHORT_LINK_REDIRECTS} redirects, and only `ebay.us` itself is ever requested.
 */

/** eBay's marketplaces: the sites the scraper can read a listing from. */
export const LISTING_SITE_DOMAINS = [
  'ebay.com',
  'ebay.co.uk',
  'ebay.de',
  'ebay.fr',
  'ebay.it',
  'ebay.es',
  'ebay.nl',
  'ebay.be',
  'ebay.at',
  'ebay.ch',
  'ebay.ie',
  'ebay.pl',
  'ebay.ca',
  'ebay.com.au',
  'ebay.com.hk',
  'ebay.com.sg',
  'ebay.com.my',
  'ebay.ph',
] as const;

/** Every host a listing URL may have: each site bare, `www.` and `m.` (mobile), and eBay's language variants. */
export const LISTING_HOSTS: ReadonlySet<string> = new Set([
  ...LISTING_SITE_DOMAINS.flatMap((domain) => [domain, `www.${domain}`, `m.${domain}`]),
  'befr.ebay.be',
  'benl.ebay.be',
  'cafr.ebay.ca',
]);

/** eBay's short-link host: its links redirect to a listing. */
export const SHORT_LINK_HOSTS: ReadonlySet<string> = new Set(['ebay.us']);

/** Longest URL accepted (2 KiB), raw or after a redirect. */
export const MAX_LISTING_URL_LENGTH = 2048;

/** Most redirects followed from a short link before giving up. */
export const MAX_SHORT_LINK_REDIRECTS = 5;

/** What {@link checkListingUrl} found: a listing page, a short link still to resolve, or why the URL is refused. */
export type ListingUrlCheck = { ok: true; kind: 'listing' | 'short-link'; url: URL } | { ok: false; reason: string };

/** Checks one URL against the host rule; the URL returned is the normalised one to use from here on. */
export function checkListingUrl(raw: string): ListingUrlCheck {
  if (raw.length > MAX_LISTING_URL_LENGTH) return { ok: false, reason: `the URL is longer than ${MAX_LISTING_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'it is not a URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'only http and https URLs are accepted' };
  if (url.username || url.password) return { ok: false, reason: 'a listing URL carries no user name or password' };
  if (url.port) return { ok: false, reason: 'a listing URL has no port' };
  const host = url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname;
  const kind = LISTING_HOSTS.has(host) ? 'listing' : SHORT_LINK_HOSTS.has(host) ? 'short-link' : undefined;
  if (!kind) return { ok: false, reason: `${url.hostname} is not a listing site the scraper supports (eBay's sites, and ebay.us short links)` };
  url.protocol = 'https:';
  url.hostname = host;
  url.hash = '';
  if (url.href.length > MAX_LISTING_URL_LENGTH) return { ok: false, reason: `the URL is longer than ${MAX_LISTING_URL_LENGTH} characters` };
  return { ok: true, kind, url };
}

/** A listing URL the rule refuses, or a short link that does not end at one: the client's input is at fault. */
export class ListingUrlError extends Error {
  override readonly name = 'ListingUrlError';
}

/** One request of a short link, without following redirects: its status and `Location`. */
export type FetchHop = (url: URL, signal: AbortSignal) => Promise<{ status: number; location?: string }>;

/** The real hop: GET with `redirect: 'manual'`, body discarded. */
export const fetchHop: FetchHop = async (url, signal) => {
  const response = await fetch(url, { method: 'GET', redirect: 'manual', signal, headers: { accept: 'text/html' } });
  await response.body?.cancel().catch(() => undefined);
  return { status: response.status, location: response.headers.get('location') ?? undefined };
};

/** Options of {@link resolveListingUrl}. */
export interface ResolveOptions {
  /** How a short link is requested; default {@link fetchHop}. Tests point it at a local server. */
  hop?: FetchHop;
  /** Budget of the whole resolution; default 5000 ms. */
  timeoutMs?: number;
}

/**
 * The listing URL to scrape: `raw` itself (normalised) when it is a listing page, or where its short link leads,
 * followed hop by hop through allowed hosts only. Throws {@link ListingUrlError} for a refused URL or redirect, a
 * short link that does not redirect to a listing, or too many redirects; a failing or slow short-link server throws
 * its own error (a dependency's failure, not the client's).
 */
export async function resolveListingUrl(raw: string, options: ResolveOptions = {}): Promise<URL> {
  const hop = options.hop ?? fetchHop;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 5000);
  let current = raw;
  for (let redirects = 0; ; redirects++) {
    const check = checkListingUrl(current);
    if (!check.ok) throw new ListingUrlError(redirects === 0 ? check.reason : `the short link redirects to a URL that is refused: ${check.reason}`);
    if (check.kind === 'listing') return check.url;
    if (redirects === MAX_SHORT_LINK_REDIRECTS) throw new ListingUrlError(`the short link redirects more than ${MAX_SHORT_LINK_REDIRECTS} times`);
    const { status, location } = await hop(check.url, signal);
    if (status < 300 || status > 399 || !location) {
      throw new ListingUrlError(`the short link does not lead to a listing (${check.url.hostname} answered ${status}${location ? '' : ' without a redirect'})`);
    }
    try {
      current = new URL(location, check.url).href;
    } catch {
      throw new ListingUrlError('the short link redirects to something that is not a URL');
    }
  }
}
