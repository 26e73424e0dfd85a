import { ConfigError, queueRefFromEnv, type QueueRef } from '@bmx/aws-clients';
import { databaseSourceFromEnv, type DatabaseSource } from '@bmx/db';

/** Everything the API reads from its environment, validated once by {@link loadConfig}. */
export interface ApiConfig {
  /** `BMX_ENV`: deployment name used in resource names (`bmx-{env}-scraper`). Default `local`. */
  env: string;
  /** True when `env` is `production` or `prod`: stricter health (AccessDenied counts as unhealthy). */
  production: boolean;
  /** `PORT`: local server port. Default 3000. */
  port: number;
  /** `HOST`: local server address. Default 127.0.0.1. */
  host: string;
  /**
   * `DATABASE_URL`, else `DATABASE_SECRET_ARN` (a Secrets Manager secret with the credentials): PostgreSQL. When
   * neither is set the local server uses an embedded PGlite database; the Lambdas require one.
   */
  database?: DatabaseSource;
  /** `PGLITE_DIR`: where the embedded database keeps its files; in memory when absent. */
  pgliteDir?: string;
  /** `IMAGES_BUCKET`: bucket holding `books/{key}` and `books/thumb_{key}`. Required. */
  imagesBucket: string;
  /** `LISTINGS_BUCKET`: bucket the scraper writes `listings/{itemId}/` into. Default: the images bucket. */
  listingsBucket: string;
  /** `IMAGE_JOBS_QUEUE_URL` or `IMAGE_JOBS_QUEUE_NAME`: the image-processing queue. Required. */
  imageJobsQueue: QueueRef;
  /** `SCRAPER_FUNCTION_NAME`: the listing scraper Lambda. Default `bmx-{env}-scraper`. */
  scraperFunctionName: string;
  /**
   * Lambdas `/health/deep` checks with GetFunction: the scraper plus `HEALTH_FUNCTION_NAMES`
   * (comma-separated, e.g. the image processor).
   */
  healthFunctionNames: string[];
  /** `CDN_BASE_URL`: when set, image URLs are `{CDN_BASE_URL}/{objectKey}` instead of presigned GET URLs. */
  cdnBaseUrl?: string;
  /** `AUTH_PUBLIC_READS`: `true` lets GET routes through without an API key. Default false. */
  publicReads: boolean;
  /** `MAX_UPLOAD_BYTES`: largest multipart upload. Default 10 MiB. */
  maxUploadBytes: number;
  /** `MAX_PRESIGNED_UPLOAD_BYTES`: largest object a presigned upload may register. Default 50 MiB. */
  maxPresignedUploadBytes: number;
  /** `PRESIGN_TTL_SECONDS`: lifetime of presigned GET and PUT URLs. Default 3600. */
  presignTtlSeconds: number;
  /**
   * `PRESIGN_REUSE_SECONDS`: for this long an image gets the same presigned GET URL, so browsers and CDNs can cache it;
   * every URL handed out has more than `PRESIGN_TTL_SECONDS - PRESIGN_REUSE_SECONDS` left. Default 900 (or less than
   * the TTL when that is shorter); 0 signs a new URL each time. Must be less than `PRESIGN_TTL_SECONDS`.
   */
  presignReuseSeconds: number;
  /** `PROCESSING_TIMEOUT_MINUTES`: a job `processing` for longer is reset by the retry handler. Default 30. */
  processingTimeoutMinutes: number;
  /** `HEALTH_CHECK_TIMEOUT_MS`: budget of each deep-health check (≤ 5000). Default 4500. */
  healthCheckTimeoutMs: number;
  /**
   * `HEALTH_REUSE_MS`: how long a deep-health result answers later callers (its `checked_at` and `age_ms` say how
   * old it is); an unhealthy one for half as long. Default 2000; 0 checks on every call (concurrent callers still
   * share one check). At most 60000.
   */
  healthReuseMs: number;
  /** `LOG_LEVEL`: pino level. Default `info`. */
  logLevel: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$|^arn:aws:lambda:[^:]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[$A-Za-z0-9_-]+)?$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function text(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function bucket(env: NodeJS.ProcessEnv, name: string, fallback?: string): string {
  const value = text(env, name) ?? fallback;
  if (!value) throw new ConfigError(name, 'set it to the S3 bucket to use');
  if (!BUCKET_NAME.test(value)) throw new ConfigError(name, `"${value}" is not a valid S3 bucket name`);
  return value;
}

function functionName(name: string, value: string): string {
  if (!FUNCTION_NAME.test(value)) throw new ConfigError(name, `"${value}" is not a Lambda function name or ARN`);
  return value;
}

/**
 * Reads and checks the API's configuration. Throws {@link ConfigError} naming the variable at fault, so a
 * misconfigured deployment fails at start-up rather than on the first request.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const bmxEnv = text(env, 'BMX_ENV') ?? 'local';
  if (!/^[a-z0-9-]{1,32}$/.test(bmxEnv)) throw new ConfigError('BMX_ENV', `must be lowercase letters, digits or dashes, got "${bmxEnv}"`);

  const database = databaseSourceFromEnv(env);

  const imagesBucket = bucket(env, 'IMAGES_BUCKET');
  const scraperFunctionName = functionName('SCRAPER_FUNCTION_NAME', text(env, 'SCRAPER_FUNCTION_NAME') ?? `bmx-${bmxEnv}-scraper`);
  const extraFunctions = (text(env, 'HEALTH_FUNCTION_NAMES') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => functionName('HEALTH_FUNCTION_NAMES', name));

  const cdnBaseUrl = text(env, 'CDN_BASE_URL');
  if (cdnBaseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(cdnBaseUrl);
    } catch {
      throw new ConfigError('CDN_BASE_URL', `"${cdnBaseUrl}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('CDN_BASE_URL', 'must be an http(s) URL');
  }

  const presignTtlSeconds = integer(env, 'PRESIGN_TTL_SECONDS', 3600, 1, 604_800);
  const presignReuseSeconds = integer(env, 'PRESIGN_REUSE_SECONDS', Math.min(900, Math.floor(presignTtlSeconds / 4)), 0, 604_799);
  if (presignReuseSeconds >= presignTtlSeconds) {
    throw new ConfigError('PRESIGN_REUSE_SECONDS', `must be less than PRESIGN_TTL_SECONDS (${presignTtlSeconds}), got ${presignReuseSeconds}`);
  }

  const logLevel = text(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  return {
    env: bmxEnv,
    production: bmxEnv === 'production' || bmxEnv === 'prod',
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: text(env, 'HOST') ?? '127.0.0.1',
    database,
    pgliteDir: text(env, 'PGLITE_DIR'),
    imagesBucket,
    listingsBucket: bucket(env, 'LISTINGS_BUCKET', imagesBucket),
    imageJobsQueue: queueRefFromEnv('IMAGE_JOBS', env),
    scraperFunctionName,
    healthFunctionNames: [...new Set([scraperFunctionName, ...extraFunctions])],
    cdnBaseUrl: cdnBaseUrl?.replace(/\/+$/, ''),
    publicReads: boolean(env, 'AUTH_PUBLIC_READS', false),
    maxUploadBytes: integer(env, 'MAX_UPLOAD_BYTES', 10 * 1024 * 1024, 1, 5 * 1024 * 1024 * 1024),
    maxPresignedUploadBytes: integer(env, 'MAX_PRESIGNED_UPLOAD_BYTES', 50 * 1024 * 1024, 1, 5 * 1024 * 1024 * 1024),
    presignTtlSeconds,
    presignReuseSeconds,
    processingTimeoutMinutes: integer(env, 'PROCESSING_TIMEOUT_MINUTES', 30, 1, 24 * 60),
    healthCheckTimeoutMs: integer(env, 'HEALTH_CHECK_TIMEOUT_MS', 4500, 100, 5000),
    healthReuseMs: integer(env, 'HEALTH_REUSE_MS', 2000, 0, 60_000),
    logLevel,
  };
}
