import { ConfigError, queueRefFromEnv, type QueueRef } from '@bmx/aws-clients';
import { databaseSourceFromEnv, jobStaleAfterSeconds, type DatabaseSource } from '@bmx/db';
import { readBaseUrl, readBoolean, readBucketName, readInteger, readOneOf, readText, type Env } from '@bmx/lambda-kit';

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
  /**
   * `IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS`: the image-jobs queue's visibility timeout; a job `processing` with no
   * sign of life for longer is stuck, and the retry handler queues it again. The image processor reads the same
   * variable to take such a job over (`jobStaleAfterSeconds` of @bmx/db). Default 1800.
   */
  jobStaleAfterSeconds: number;
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

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$|^arn:aws:lambda:[^:]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[$A-Za-z0-9_-]+)?$/;

function functionName(name: string, value: string): string {
  if (!FUNCTION_NAME.test(value)) throw new ConfigError(name, `"${value}" is not a Lambda function name or ARN`);
  return value;
}

/**
 * Reads and checks the API's configuration. Throws {@link ConfigError} naming the variable at fault, so a
 * misconfigured deployment fails at start-up rather than on the first request.
 */
export function loadConfig(env: Env = process.env): ApiConfig {
  const bmxEnv = readText(env, 'BMX_ENV') ?? 'local';
  if (!/^[a-z0-9-]{1,32}$/.test(bmxEnv)) throw new ConfigError('BMX_ENV', `must be lowercase letters, digits or dashes, got "${bmxEnv}"`);

  const database = databaseSourceFromEnv(env);

  const imagesBucket = readBucketName(env, 'IMAGES_BUCKET');
  const scraperFunctionName = functionName('SCRAPER_FUNCTION_NAME', readText(env, 'SCRAPER_FUNCTION_NAME') ?? `bmx-${bmxEnv}-scraper`);
  const extraFunctions = (readText(env, 'HEALTH_FUNCTION_NAMES') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => functionName('HEALTH_FUNCTION_NAMES', name));

  const cdnBaseUrl = readBaseUrl(env, 'CDN_BASE_URL');

  const presignTtlSeconds = readInteger(env, 'PRESIGN_TTL_SECONDS', 3600, { min: 1, max: 604_800 });
  const presignReuseSeconds = readInteger(env, 'PRESIGN_REUSE_SECONDS', Math.min(900, Math.floor(presignTtlSeconds / 4)), { min: 0, max: 604_799 });
  if (presignReuseSeconds >= presignTtlSeconds) {
    throw new ConfigError('PRESIGN_REUSE_SECONDS', `must be less than PRESIGN_TTL_SECONDS (${presignTtlSeconds}), got ${presignReuseSeconds}`);
  }

  const logLevel = readOneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info');

  return {
    env: bmxEnv,
    production: bmxEnv === 'production' || bmxEnv === 'prod',
    port: readInteger(env, 'PORT', 3000, { min: 0, max: 65535 }),
    host: readText(env, 'HOST') ?? '127.0.0.1',
    database,
    pgliteDir: readText(env, 'PGLITE_DIR'),
    imagesBucket,
    listingsBucket: readBucketName(env, 'LISTINGS_BUCKET', imagesBucket),
    imageJobsQueue: queueRefFromEnv('IMAGE_JOBS', env),
    scraperFunctionName,
    healthFunctionNames: [...new Set([scraperFunctionName, ...extraFunctions])],
    cdnBaseUrl,
    publicReads: readBoolean(env, 'AUTH_PUBLIC_READS', false),
    maxUploadBytes: readInteger(env, 'MAX_UPLOAD_BYTES', 10 * 1024 * 1024, { min: 1, max: 5 * 1024 * 1024 * 1024 }),
    maxPresignedUploadBytes: readInteger(env, 'MAX_PRESIGNED_UPLOAD_BYTES', 50 * 1024 * 1024, { min: 1, max: 5 * 1024 * 1024 * 1024 }),
    presignTtlSeconds,
    presignReuseSeconds,
    jobStaleAfterSeconds: jobStaleAfterSeconds(env),
    healthCheckTimeoutMs: readInteger(env, 'HEALTH_CHECK_TIMEOUT_MS', 4500, { min: 100, max: 5000 }),
    healthReuseMs: readInteger(env, 'HEALTH_REUSE_MS', 2000, { min: 0, max: 60_000 }),
    logLevel,
  };
}
