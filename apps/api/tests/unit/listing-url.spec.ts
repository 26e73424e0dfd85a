import {
  checkListingUrl,
  LISTING_HOSTS,
  ListingUrlError,
  MAX_LISTING_URL_LENGTH,
  MAX_SHORT_LINK_REDIRECTS,
  resolveListingUrl,
  type FetchHop,
} from '../../src/listing-url';

describe('listing URL host rule', () => {
  it.each([
    ['https://www.ebay.com/itm/123456789', 'https://www.ebay.com/itm/123456789'],
    ['https://www.ebay.co.uk/itm/Some-Book/123456789?hash=item1', 'https://www.ebay.co.uk/itm/Some-Book/123456789?hash=item1'],
    ['https://m.ebay.de/itm/123456789', 'https://m.ebay.de/itm/123456789'],
    ['http://ebay.com/itm/123456789', 'https://ebay.com/itm/123456789'],
    ['https://WWW.EBAY.COM/itm/123456789', 'https://www.ebay.com/itm/123456789'],
    ['https://www.ebay.com./itm/123456789', 'https://www.ebay.com/itm/123456789'],
    ['https://www.ebay.com:443/itm/123456789', 'https://www.ebay.com/itm/123456789'],
    ['https://www.ebay.com/itm/123456789#@evil.example', 'https://www.ebay.com/itm/123456789'],
    // Full-width letters are the same host after IDNA mapping; what goes on is the normalised ASCII URL.
    ['https://ｗｗｗ.ｅｂａｙ.ｃｏｍ/itm/1', 'https://www.ebay.com/itm/1'],
    // A backslash is a path separator to WHATWG: the host is eBay's and the scraper gets the normalised form.
    ['https://www.ebay.com\\@evil.example/', 'https://www.ebay.com/@evil.example/'],
  ])('accepts %s as %s', (raw, normalised) => {
    const check = checkListingUrl(raw);
    expect(check).toMatchObject({ ok: true, kind: 'listing' });
    if (check.ok) expect(check.url.href).toBe(normalised);
  });

  it('recognises ebay.us short links', () => {
    expect(checkListingUrl('https://ebay.us/m/AbC123')).toMatchObject({ ok: true, kind: 'short-link' });
    expect(checkListingUrl('https://EBAY.US./AbC123')).toMatchObject({ ok: true, kind: 'short-link' });
  });

  it.each([
    ['https://evil.example.com/itm/123456789', /evil\.example\.com is not a listing site/],
    ['http://127.0.0.1/itm/1', /not a listing site/],
    ['http://localhost/itm/1', /localhost is not/],
    ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is not/],
    ['http://2852039166/latest/meta-data/', /169\.254\.169\.254 is not/],
    ['http://0xa9.0xfe.0xa9.0xfe/', /169\.254\.169\.254 is not/],
    ['http://[::1]/', /not a listing site/],
    ['http://[::ffff:169.254.169.254]/', /not a listing site/],
    ['http://10.0.0.5/itm/1', /not a listing site/],
    ['https://www.ebay.com@evil.example/itm/1', /user name or password/],
    ['https://user:pw@www.ebay.com/itm/1', /user name or password/],
    ['https://www.ebay.com.evil.example/itm/1', /not a listing site/],
    ['https://www.ebay.com%2eevil.example/itm/1', /not a listing site/],
    ['https://ebay.com.evil.example/itm/1', /not a listing site/],
    ['https://evil-ebay.com/itm/1', /not a listing site/],
    ['https://wwwebay.com/itm/1', /not a listing site/],
    ['https://shop.ebay.com/itm/1', /not a listing site/],
    ['https://www.ebаy.com/itm/1', /xn--eby-7cd\.com is not/],
    ['https://www.xn--eby-7cd.com/itm/1', /not a listing site/],
    ['https://www.ebay.com../itm/1', /not a listing site/],
    ['https://www.ebay.com:8443/itm/1', /no port/],
    ['http://www.ebay.com:443/itm/1', /no port/],
    ['ftp://www.ebay.com/itm/1', /only http and https/],
    ['file:///etc/passwd', /only http and https/],
    ['javascript:alert(1)', /only http and https/],
    ['not a url', /not a URL/],
    [`https://www.ebay.com/itm/1?q=${'a'.repeat(MAX_LISTING_URL_LENGTH)}`, /longer than 2048/],
  ])('refuses %s', (raw, reason) => {
    const check = checkListingUrl(raw);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it('lists only eBay hosts', () => {
    for (const host of LISTING_HOSTS) expect(host).toMatch(/^([a-z]+\.)?ebay\.[a-z.]+$/);
  });
});

describe('short-link resolution', () => {
  /** A hop answering from a table of URL → redirect target (or status), recording what it was asked. */
  const table = (routes: Record<string, string | number>) => {
    const asked: string[] = [];
    const hop: FetchHop = async (url) => {
      asked.push(url.href);
      const target = routes[url.href];
      if (target === undefined) return { status: 404 };
      return typeof target === 'number' ? { status: target } : { status: 301, location: target };
    };
    return { hop, asked };
  };

  it('returns a listing URL as it is, without any request', async () => {
    const { hop, asked } = table({});
    expect((await resolveListingUrl('https://www.ebay.com/itm/1', { hop })).href).toBe('https://www.ebay.com/itm/1');
    expect(asked).toEqual([]);
  });

  it('follows a short link to its listing, also through relative and chained redirects, asking only ebay.us', async () => {
    const { hop, asked } = table({
      'https://ebay.us/a': '/b',
      'https://ebay.us/b': 'https://ebay.us/c',
      'https://ebay.us/c': 'https://www.ebay.com/itm/Book/123456789?_trksid=1',
    });
    expect((await resolveListingUrl('https://ebay.us/a', { hop })).href).toBe('https://www.ebay.com/itm/Book/123456789?_trksid=1');
    expect(asked).toEqual(['https://ebay.us/a', 'https://ebay.us/b', 'https://ebay.us/c']);
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', /redirects to a URL that is refused: 169\.254\.169\.254 is not/],
    ['https://evil.example/itm/1', /refused: evil\.example is not/],
    ['https://www.ebay.com@evil.example/itm/1', /refused: .*user name/],
    ['https://www.ebay.com:8080/itm/1', /refused: .*no port/],
    [`https://www.ebay.com/itm/1?q=${'a'.repeat(MAX_LISTING_URL_LENGTH)}`, /refused: .*longer than/],
  ])('refuses a redirect that leaves the list: %s', async (target, reason) => {
    const { hop, asked } = table({ 'https://ebay.us/x': target });
    await expect(resolveListingUrl('https://ebay.us/x', { hop })).rejects.toThrow(reason);
    expect(asked).toEqual(['https://ebay.us/x']);
  });

  it(`gives up after ${MAX_SHORT_LINK_REDIRECTS} redirects`, async () => {
    const { hop, asked } = table({ 'https://ebay.us/loop': 'https://ebay.us/loop' });
    await expect(resolveListingUrl('https://ebay.us/loop', { hop })).rejects.toThrow(/more than 5 times/);
    expect(asked).toHaveLength(MAX_SHORT_LINK_REDIRECTS);
  });

  it('refuses a short link that answers without a redirect', async () => {
    const { hop } = table({ 'https://ebay.us/ok200': 200 });
    await expect(resolveListingUrl('https://ebay.us/gone', { hop })).rejects.toThrow(/does not lead to a listing \(ebay\.us answered 404 without a redirect\)/);
    await expect(resolveListingUrl('https://ebay.us/ok200', { hop })).rejects.toBeInstanceOf(ListingUrlError);
  });

  it('lets a failing short-link server fail as a dependency, not as the client', async () => {
    const hop: FetchHop = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND ebay.us'), { code: 'ENOTFOUND' });
    };
    const error = await resolveListingUrl('https://ebay.us/x', { hop }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ListingUrlError);
    expect(error).toMatchObject({ code: 'ENOTFOUND' });
  });

  it('aborts a hop that outlasts the budget', async () => {
    const hop: FetchHop = (_url, signal) =>
      new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    await expect(resolveListingUrl('https://ebay.us/slow', { hop, timeoutMs: 50 })).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
