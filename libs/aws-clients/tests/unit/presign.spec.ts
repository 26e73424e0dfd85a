import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { getS3Client, presignGetUrl, presignPutUrl, PRESIGN_CACHE_ENTRIES, resetAwsClients } from '../../src';
import { checkPresignedUrl } from '../support/sigv4';

const START = Date.UTC(2026, 11, 1, 12, 0, 0);
const KEYS = ['books/1-cover.jpg', "books/a b/c+d!'(x)ü.png", 'books/thumb_1 (2).jpg'];

interface FakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/**
 * Puts a controllable credentials provider in the S3 client. The client wraps it as it wraps its own (memoized: asked
 * again only when the credentials are within 5 minutes of expiring, or on a forced refresh), so `current` is what a
 * source such as the container's credentials endpoint holds, and the client sees a change when it would.
 */
function useCredentials(first: FakeCredentials, refreshed?: () => FakeCredentials) {
  const state = { current: first, forced: 0 };
  const client = getS3Client();
  (client.config as { credentials: unknown }).credentials = async (options?: { forceRefresh?: boolean }) => {
    if (options?.forceRefresh) {
      state.forced++;
      state.current = refreshed ? refreshed() : state.current;
    }
    return state.current;
  };
  return state;
}

const param = (url: string, name: string) => new URL(url).searchParams.get(name);

describe('presigned URLs', () => {
  const saved = { ...process.env };
  let presign: jest.SpiedFunction<SignatureV4['presign']>;

  beforeEach(() => {
    const unrelated = Object.fromEntries(Object.entries(saved).filter(([key]) => !key.startsWith('AWS_ENDPOINT_URL')));
    process.env = { ...unrelated, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'env-token' };
    resetAwsClients();
    jest.useFakeTimers({ now: START, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    presign = jest.spyOn(SignatureV4.prototype, 'presign');
  });
  afterEach(() => {
    presign.mockRestore();
    jest.useRealTimers();
  });
  afterAll(() => {
    process.env = saved;
    resetAwsClients();
  });

  describe('signing', () => {
    it.each([
      ['virtual-hosted on AWS', undefined],
      ['path-style on a custom endpoint', 'http://127.0.0.1:9000'],
    ])('makes the very URL getSignedUrl makes for a GetObject (%s)', async (_name, endpoint) => {
      if (endpoint) process.env['AWS_ENDPOINT_URL_S3'] = endpoint;
      resetAwsClients();
      for (const key of KEYS) {
        const ours = await presignGetUrl('bmx-images', key, 900);
        const sdk = await getSignedUrl(getS3Client(), new GetObjectCommand({ Bucket: 'bmx-images', Key: key }), { expiresIn: 900, signingDate: new Date(START) });
        expect(ours).toBe(sdk);
      }
    });

    it('signs GET URLs that SigV4 accepts, with the session token and for the asked lifetime', async () => {
      const url = await presignGetUrl('bmx-images', KEYS[1] as string, 1200);
      expect(checkPresignedUrl(url, 'GET', 'env-secret')).toMatchObject({
        valid: true,
        accessKeyId: 'AKIDENV',
        sessionToken: 'env-token',
        signedHeaders: ['host'],
        signedAtMs: START,
        expiresAtMs: START + 1_200_000,
      });
      // The checker itself: the SDK's URLs pass, a changed one does not.
      const sdk = await getSignedUrl(getS3Client(), new GetObjectCommand({ Bucket: 'bmx-images', Key: 'books/x.jpg' }), { expiresIn: 60 });
      expect(checkPresignedUrl(sdk, 'GET', 'env-secret').valid).toBe(true);
      expect(checkPresignedUrl(sdk.replace('x.jpg', 'y.jpg'), 'GET', 'env-secret').valid).toBe(false);
      expect(checkPresignedUrl(url, 'GET', 'another-secret').valid).toBe(false);
    });

    it('signs the Content-Type of a PUT and no checksum of the unknown body', async () => {
      const url = await presignPutUrl('bmx-images', 'books/upload 1.png', 'image/png', 600);
      expect(checkPresignedUrl(url, 'PUT', 'env-secret', { 'content-type': 'image/png' })).toMatchObject({
        valid: true,
        signedHeaders: ['content-type', 'host'],
        expiresAtMs: START + 600_000,
      });
      expect(checkPresignedUrl(url, 'PUT', 'env-secret', { 'content-type': 'image/jpeg' }).valid).toBe(false);
      expect([...new URL(url).searchParams.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
    });

    it('refuses lifetimes S3 would reject and reuse windows as long as the lifetime', async () => {
      await expect(presignGetUrl('bmx-images', 'k', 0)).rejects.toThrow(/1 to 604800/);
      await expect(presignGetUrl('bmx-images', 'k', 604_801)).rejects.toThrow(/1 to 604800/);
      await expect(presignGetUrl('bmx-images', 'k', 3600, { reuseSeconds: 3600 })).rejects.toThrow(/reuseSeconds must be a whole number from 0 to expiresInSeconds - 1 \(3599\), got 3600/);
      await expect(presignGetUrl('bmx-images', 'k', 3600, { reuseSeconds: -1 })).rejects.toThrow(RangeError);
      await expect(presignGetUrl('bmx-images', 'k', 3600, { reuseSeconds: 1.5 })).rejects.toThrow(RangeError);
    });
  });

  describe('reuse', () => {
    it('hands out a new URL on every call without reuseSeconds', async () => {
      const first = await presignGetUrl('bmx-images', 'books/a.jpg', 3600);
      jest.advanceTimersByTime(1000);
      expect(await presignGetUrl('bmx-images', 'books/a.jpg', 3600)).not.toBe(first);
    });

    it('gives the same object the same URL within the window, signed once, and a new one after it', async () => {
      const first = await presignGetUrl('bmx-images', 'books/a.jpg', 3600, { reuseSeconds: 900 });
      jest.advanceTimersByTime(899_000);
      expect(await presignGetUrl('bmx-images', 'books/a.jpg', 3600, { reuseSeconds: 900 })).toBe(first);
      expect(presign).toHaveBeenCalledTimes(1);
      // Another object, another URL.
      expect(await presignGetUrl('bmx-images', 'books/b.jpg', 3600, { reuseSeconds: 900 })).not.toBe(first);
      jest.advanceTimersByTime(1000);
      const next = await presignGetUrl('bmx-images', 'books/a.jpg', 3600, { reuseSeconds: 900 });
      expect(next).not.toBe(first);
      expect(param(next, 'X-Amz-Date')).toBe('20261201T121500Z');
    });

    it('dates URLs at the start of an aligned window, so another process with the same credentials makes the same URL', async () => {
      // Both processes have had their credentials since before the window began.
      jest.setSystemTime(START - 10_000);
      await presignGetUrl('bmx-images', 'books/other.jpg', 3600, { reuseSeconds: 900 });
      jest.setSystemTime(START + 123_456);
      const here = await presignGetUrl('bmx-images', 'books/a.jpg', 3600, { reuseSeconds: 900 });
      resetAwsClients(); // another process: its own client, nothing cached
      jest.setSystemTime(START - 5_000);
      await presignGetUrl('bmx-images', 'books/other.jpg', 3600, { reuseSeconds: 900 });
      jest.setSystemTime(START + 654_321);
      expect(await presignGetUrl('bmx-images', 'books/a.jpg', 3600, { reuseSeconds: 900 })).toBe(here);
      expect(param(here, 'X-Amz-Date')).toBe('20261201T120000Z');
    });

    it('never dates a URL before its credentials were first used (the first window of a process or a rotation)', async () => {
      jest.setSystemTime(START + 300_000);
      const url = await presignGetUrl('bmx-images', 'books/a.jpg', 3600, { reuseSeconds: 900 });
      expect(param(url, 'X-Amz-Date')).toBe('20261201T120500Z');
      jest.setSystemTime(START + 899_000);
      expect(await presignGetUrl('bmx-images', 'books/a.jpg', 3600, { reuseSeconds: 900 })).toBe(url);
    });

    it('never hands out a URL with less than expiresInSeconds - reuseSeconds left, nor more than expiresInSeconds', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 2, max: 7200 }).chain((ttl) => fc.tuple(fc.constant(ttl), fc.integer({ min: 0, max: ttl - 1 }))),
          fc.array(fc.tuple(fc.integer({ min: 0, max: 4000_000 }), fc.constantFrom(...KEYS)), { minLength: 1, maxLength: 30 }),
          async ([ttl, reuse], steps) => {
            resetAwsClients();
            jest.setSystemTime(START);
            for (const [advanceMs, key] of steps) {
              jest.advanceTimersByTime(advanceMs);
              const url = await presignGetUrl('bmx-images', key, ttl, { reuseSeconds: reuse });
              const { expiresAtMs, valid } = checkPresignedUrl(url, 'GET', 'env-secret');
              expect(valid).toBe(true);
              // SigV4 dates are whole seconds: a URL signed anew on every call (no reuse) may have part of one less.
              expect(expiresAtMs - Date.now()).toBeGreaterThan((ttl - Math.max(reuse, 1)) * 1000);
              expect(expiresAtMs - Date.now()).toBeLessThanOrEqual(ttl * 1000);
            }
          },
        ),
        { numRuns: 60 },
      );
    });

    it(`keeps at most ${PRESIGN_CACHE_ENTRIES} URLs, dropping the one handed out least recently`, async () => {
      const reuse = { reuseSeconds: 900 };
      await presignGetUrl('bmx-images', 'books/oldest.jpg', 3600, reuse);
      await presignGetUrl('bmx-images', 'books/kept.jpg', 3600, reuse);
      for (let i = 0; i < PRESIGN_CACHE_ENTRIES - 2; i++) await presignGetUrl('bmx-images', `books/${i}.jpg`, 3600, reuse);
      await presignGetUrl('bmx-images', 'books/kept.jpg', 3600, reuse); // handed out again: now the most recent
      await presignGetUrl('bmx-images', 'books/one-too-many.jpg', 3600, reuse);
      presign.mockClear();
      await presignGetUrl('bmx-images', 'books/kept.jpg', 3600, reuse);
      expect(presign).not.toHaveBeenCalled();
      await presignGetUrl('bmx-images', 'books/oldest.jpg', 3600, reuse);
      expect(presign).toHaveBeenCalledTimes(1);
    });
  });

  describe('temporary credentials', () => {
    it('signs with the credentials the client has now: a rotation gives new URLs at once', async () => {
      const firstEnd = START + 6 * 3600_000;
      const credentials = useCredentials({ accessKeyId: 'ASIAFIRST', secretAccessKey: 'first', sessionToken: 'token-1', expiration: new Date(firstEnd) });
      const before = await presignGetUrl('bmx-images', 'books/a.jpg', 3600, { reuseSeconds: 900 });
      expect(checkPresignedUrl(before, 'GET', 'first')).toMatchObject({ valid: true, accessKeyId: 'ASIAFIRST', sessionToken: 'token-1' });

      // The source has new credentials; the client takes them when the old ones are about to expire.
      credentials.current = { accessKeyId: 'ASIASECOND', secretAccessKey: 'second', sessionToken: 'token-2', expiration: new Date(firstEnd + 6 * 3600_000) };
      jest.setSystemTime(firstEnd - 4 * 60_000 - 123);
      const after = await presignGetUrl('bmx-images', 'books/a.jpg', 3600, { reuseSeconds: 900 });
      const facts = checkPresignedUrl(after, 'GET', 'second');
      expect(facts).toMatchObject({ valid: true, accessKeyId: 'ASIASECOND', sessionToken: 'token-2' });
      // Dated no earlier than the second these credentials were first used, not at the window's start.
      expect(facts.signedAtMs).toBe(Math.floor((firstEnd - 4 * 60_000 - 123) / 1000) * 1000);
      expect(credentials.forced).toBe(0);
    });

    it('never lets a URL outlive its session token, and refreshes credentials that would not last the minimum lifetime', async () => {
      const sessionEnd = START + 20 * 60_000;
      // The refresh brings nothing new (as with a Lambda's environment credentials): the URL ends with the session.
      const credentials = useCredentials({ accessKeyId: 'ASIASHORT', secretAccessKey: 'short', sessionToken: 'token-s', expiration: new Date(sessionEnd) });
      const url = await presignGetUrl('bmx-images', 'books/a.jpg', 3600, { reuseSeconds: 900 });
      expect(credentials.forced).toBe(1);
      expect(checkPresignedUrl(url, 'GET', 'short')).toMatchObject({ valid: true, expiresAtMs: sessionEnd });
      // Not kept: the next call looks for credentials that last again.
      presign.mockClear();
      jest.advanceTimersByTime(61_000);
      credentials.current = { accessKeyId: 'ASIALONG', secretAccessKey: 'long', sessionToken: 'token-l', expiration: new Date(START + 6 * 3600_000) };
      const renewed = await presignGetUrl('bmx-images', 'books/a.jpg', 3600, { reuseSeconds: 900 });
      expect(presign).toHaveBeenCalledTimes(1);
      const facts = checkPresignedUrl(renewed, 'GET', 'long');
      expect(facts).toMatchObject({ valid: true, accessKeyId: 'ASIALONG' });
      expect(facts.expiresAtMs - Date.now()).toBeGreaterThanOrEqual((3600 - 900) * 1000);
    });

    it('uses what a forced refresh brings when the current session is about to end', async () => {
      const credentials = useCredentials({ accessKeyId: 'ASIAOLD', secretAccessKey: 'old', sessionToken: 'token-o', expiration: new Date(START + 10 * 60_000) }, () => ({
        accessKeyId: 'ASIANEW',
        secretAccessKey: 'new',
        sessionToken: 'token-n',
        expiration: new Date(START + 6 * 3600_000),
      }));
      const url = await presignGetUrl('bmx-images', 'books/a.jpg', 3600, { reuseSeconds: 900 });
      expect(credentials.forced).toBe(1);
      expect(checkPresignedUrl(url, 'GET', 'new')).toMatchObject({ valid: true, accessKeyId: 'ASIANEW', expiresAtMs: START + 3600_000 });
    });

    it('makes PUT URLs that end with the session at the latest', async () => {
      useCredentials({ accessKeyId: 'ASIAPUT', secretAccessKey: 'put', sessionToken: 'token-p', expiration: new Date(START + 5 * 60_000) });
      const url = await presignPutUrl('bmx-images', 'books/u.png', 'image/png', 900);
      expect(checkPresignedUrl(url, 'PUT', 'put', { 'content-type': 'image/png' })).toMatchObject({ valid: true, expiresAtMs: START + 5 * 60_000 });
    });
  });
});
