import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { SignatureV4 } from '@smithy/signature-v4';
import { getS3Client } from './clients';
import type { ClientProfile } from './profiles';

/** Longest lifetime S3 accepts for a SigV4 presigned URL: 7 days. */
export const MAX_PRESIGN_SECONDS = 604_800;

/** URLs kept for reuse per S3 client; when full, the one handed out least recently is dropped. */
export const PRESIGN_CACHE_ENTRIES = 10_000;

/** Options of {@link presignGetUrl}. */
export interface PresignGetOptions {
  /**
   * For this many seconds the same object gets the same URL, so browsers and CDNs can cache what it points to.
   * 0 (the default) signs a new URL on every call, dated with the current second. Must be less than
   * `expiresInSeconds`: every URL handed out has more than `expiresInSeconds - reuseSeconds` seconds left, unless the
   * credentials' session ends sooner (a URL never outlives its session token).
   */
  reuseSeconds?: number;
  /** The S3 client whose credentials, region and endpoint rules sign. Default `default`. */
  profile?: ClientProfile;
}

/** Options of {@link presignPutUrl}. */
export interface PresignPutOptions {
  /** The S3 client whose credentials, region and endpoint rules sign. Default `default`. */
  profile?: ClientProfile;
}

type Credentials = Awaited<ReturnType<S3Client['config']['credentials']>>;

/** Where a bucket's objects are and how S3 wants them signed, from the client's own endpoint rules. */
interface BucketEndpoint {
  protocol: string;
  hostname: string;
  port?: number;
  /** Path up to the key: `/` (virtual-hosted) or `/bucket` (path-style). */
  basePath: string;
  signingRegion: string;
  signingName: string;
  /** False when the rules ask for something this signer does not do (SigV4a, S3 Express sessions, extra headers). */
  plainSigV4: boolean;
}

interface CachedUrl {
  url: string;
  expiresAtMs: number;
  credentials: Credentials;
}

/** What one S3 client's presigning keeps: endpoints per bucket, the signer of the current credentials, reusable URLs. */
interface SigningState {
  endpoints: Map<string, Promise<BucketEndpoint>>;
  credentials?: Credentials;
  /** When these credentials were first used: no URL is dated before it. */
  credentialsSeenMs: number;
  signer?: SignatureV4;
  lastForcedRefreshMs: number;
  urls: Map<string, CachedUrl>;
}

const states = new WeakMap<S3Client, SigningState>();

function stateOf(client: S3Client): SigningState {
  let state = states.get(client);
  if (!state) {
    state = { endpoints: new Map(), credentialsSeenMs: 0, lastForcedRefreshMs: 0, urls: new Map() };
    states.set(client, state);
  }
  return state;
}

function checkExpiry(expiresInSeconds: number): number {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGN_SECONDS) {
    throw new RangeError(`expiresInSeconds must be a whole number from 1 to ${MAX_PRESIGN_SECONDS}, got ${expiresInSeconds}`);
  }
  return expiresInSeconds;
}

function checkReuse(reuseSeconds: number, expiresInSeconds: number): number {
  if (!Number.isInteger(reuseSeconds) || reuseSeconds < 0 || reuseSeconds >= expiresInSeconds) {
    throw new RangeError(`reuseSeconds must be a whole number from 0 to expiresInSeconds - 1 (${expiresInSeconds - 1}), got ${reuseSeconds}`);
  }
  return reuseSeconds;
}

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves `!'()*` alone). */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function resolveEndpoint(client: S3Client, bucket: string): Promise<BucketEndpoint> {
  const { endpoints } = stateOf(client);
  let endpoint = endpoints.get(bucket);
  if (!endpoint) {
    const resolving = (async (): Promise<BucketEndpoint> => {
      // The same resolution a GetObject of this bucket goes through (region, custom endpoint, path style, FIPS, …).
      const resolved = await getEndpointFromInstructions({ Bucket: bucket, Key: 'k' }, GetObjectCommand, client.config);
      const scheme = (resolved.properties?.['authSchemes'] as { name?: string; signingName?: string; signingRegion?: string }[] | undefined)?.[0];
      const url = resolved.url;
      return {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        basePath: url.pathname,
        signingRegion: scheme?.signingRegion ?? (await client.config.region()),
        signingName: scheme?.signingName ?? 's3',
        plainSigV4: (scheme?.name ?? 'sigv4') === 'sigv4' && Object.keys(resolved.headers ?? {}).length === 0,
      };
    })();
    endpoints.set(bucket, resolving);
    // A failed resolution is not kept: the next call tries again.
    resolving.catch(() => endpoints.get(bucket) === resolving && endpoints.delete(bucket));
    endpoint = resolving;
  }
  return endpoint;
}

const sameCredentials = (a: Credentials | undefined, b: Credentials) =>
  a !== undefined && a.accessKeyId === b.accessKeyId && a.secretAccessKey === b.secretAccessKey && a.sessionToken === b.sessionToken;

/**
 * The client's current credentials (its own provider, which refreshes temporary ones before they expire) and a
 * signer holding them. When they would not last `neededMs`, a refresh is forced (at most once a minute).
 */
async function currentCredentials(client: S3Client, neededMs: number, nowMs: number): Promise<{ credentials: Credentials; signer: SignatureV4; seenMs: number }> {
  const state = stateOf(client);
  let credentials = await client.config.credentials();
  const remaining = (c: Credentials) => (c.expiration ? c.expiration.getTime() - nowMs : Infinity);
  if (remaining(credentials) < neededMs && nowMs - state.lastForcedRefreshMs > 60_000) {
    state.lastForcedRefreshMs = nowMs;
    credentials = await client.config.credentials({ forceRefresh: true });
  }
  if (!state.signer || !sameCredentials(state.credentials, credentials)) {
    state.credentials = credentials;
    state.credentialsSeenMs = Math.floor(nowMs / 1000) * 1000;
    // One signer per credentials: it keeps the day's derived signing key, so a URL costs one HMAC chain, not five.
    state.signer = new SignatureV4({
      credentials,
      region: client.config.region,
      service: 's3',
      sha256: client.config.sha256,
      uriEscapePath: client.config.signingEscapePath,
    });
  }
  return { credentials, signer: state.signer, seenMs: state.credentialsSeenMs };
}

interface SignRequest {
  method: 'GET' | 'PUT';
  bucket: string;
  key: string;
  expiresInSeconds: number;
  /** How long the URL must stay valid after now, so the credentials are refreshed when they would not. */
  neededMs: number;
  signingDateMs?: number;
  headers?: Record<string, string>;
  query: Record<string, string>;
}

async function sign(client: S3Client, endpoint: BucketEndpoint, request: SignRequest, nowMs: number): Promise<CachedUrl> {
  const { credentials, signer, seenMs } = await currentCredentials(client, request.neededMs, nowMs);
  // Never dated before the credentials were first seen: a URL signed with a session older than its token is refused.
  const signingMs = Math.max(request.signingDateMs ?? nowMs, seenMs);
  const sessionEndMs = credentials.expiration?.getTime() ?? Infinity;
  // A URL never outlives its session token.
  const expiresIn = Math.max(1, Math.min(request.expiresInSeconds, Math.floor((sessionEndMs - signingMs) / 1000)));
  const path = `${endpoint.basePath.replace(/\/$/, '')}/${request.key.split('/').map(escapeUri).join('/')}`;
  const signed = await signer.presign(
    {
      method: request.method,
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port,
      path,
      query: request.query,
      // UNSIGNED-PAYLOAD as S3's own presigner: the body is not known when signing (it is hoisted into the query).
      headers: { host: endpoint.port ? `${endpoint.hostname}:${endpoint.port}` : endpoint.hostname, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD', ...request.headers },
    },
    { signingDate: new Date(signingMs), expiresIn, signingRegion: endpoint.signingRegion, signingService: endpoint.signingName },
  );
  const query = Object.entries(signed.query as Record<string, string>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${escapeUri(name)}=${escapeUri(value)}`)
    .join('&');
  const origin = `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}`;
  return { url: `${origin}${path}?${query}`, expiresAtMs: signingMs + expiresIn * 1000, credentials };
}

/**
 * A presigned GET URL for `bucket/key`, valid for `expiresInSeconds` (default 1 hour). Signed here with the SDK's own
 * SigV4 signer (`@smithy/signature-v4`), the S3 client's current credentials (refreshed by its provider when they
 * rotate) and the client's endpoint rules, without building a command and running its middleware stack; the URL
 * is the one `getSignedUrl` makes for a GetObject. With `reuseSeconds`, URLs are dated at the start of an aligned
 * window of that length, so the same object gets the same URL within the window (in every process with the same
 * credentials), and are kept for reuse ({@link PRESIGN_CACHE_ENTRIES} per client).
 */
export async function presignGetUrl(bucket: string, key: string, expiresInSeconds = 3600, options: PresignGetOptions = {}): Promise<string> {
  checkExpiry(expiresInSeconds);
  const reuseSeconds = checkReuse(options.reuseSeconds ?? 0, expiresInSeconds);
  const client = getS3Client(options.profile);
  const endpoint = await resolveEndpoint(client, bucket);
  const query = { 'x-id': 'GetObject', 'x-amz-checksum-mode': 'ENABLED' };
  if (!endpoint.plainSigV4) return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: expiresInSeconds });

  const nowMs = Date.now();
  const minimumMs = (expiresInSeconds - reuseSeconds) * 1000;
  if (reuseSeconds === 0) return (await sign(client, endpoint, { method: 'GET', bucket, key, expiresInSeconds, neededMs: minimumMs, query }, nowMs)).url;

  const { urls } = stateOf(client);
  const cacheKey = `${bucket}\n${key}\n${expiresInSeconds}\n${reuseSeconds}`;
  const cached = urls.get(cacheKey);
  if (cached) {
    urls.delete(cacheKey);
    const current = await client.config.credentials();
    if (cached.expiresAtMs - nowMs > minimumMs && sameCredentials(cached.credentials, current)) {
      urls.set(cacheKey, cached);
      return cached.url;
    }
  }
  const windowMs = reuseSeconds * 1000;
  const signed = await sign(client, endpoint, { method: 'GET', bucket, key, expiresInSeconds, neededMs: minimumMs, signingDateMs: Math.floor(nowMs / windowMs) * windowMs, query }, nowMs);
  // A URL cut short by its session token is handed out but not kept: the next call tries fresh credentials.
  if (signed.expiresAtMs - nowMs > minimumMs) {
    urls.set(cacheKey, signed);
    if (urls.size > PRESIGN_CACHE_ENTRIES) urls.delete(urls.keys().next().value as string);
  }
  return signed.url;
}

/**
 * A presigned PUT URL for `bucket/key`, valid for `expiresInSeconds` (default 15 minutes). `Content-Type` is signed:
 * the uploader must send exactly `contentType`. Signed like {@link presignGetUrl}, never reused; unlike
 * `getSignedUrl` of a PutObject it carries no checksum of the (unknown, so empty) body, which S3 would hold the upload to.
 */
export async function presignPutUrl(bucket: string, key: string, contentType: string, expiresInSeconds = 900, options: PresignPutOptions = {}): Promise<string> {
  checkExpiry(expiresInSeconds);
  const client = getS3Client(options.profile);
  const endpoint = await resolveEndpoint(client, bucket);
  if (!endpoint.plainSigV4) {
    return getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType }), {
      expiresIn: expiresInSeconds,
      signableHeaders: new Set(['content-type']),
    });
  }
  const request: SignRequest = {
    method: 'PUT',
    bucket,
    key,
    expiresInSeconds,
    neededMs: expiresInSeconds * 1000,
    headers: { 'content-type': contentType },
    query: { 'x-id': 'PutObject' },
  };
  return (await sign(client, endpoint, request, Date.now())).url;
}
