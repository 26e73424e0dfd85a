import { ConfigError } from '@bmx/aws-clients';
import { databaseSourceFromEnv, type DatabaseSource } from '@bmx/db';

/** Everything the image processor reads from its environment, checked once at start-up. */
export interface ProcessorConfig {
  /**
   * `DATABASE_URL`, else `DATABASE_SECRET_ARN` (a Secrets Manager secret with the credentials): the PostgreSQL the API
   * also uses. One of them is required.
   */
  database: DatabaseSource;
  /** `IMAGES_BUCKET`: bucket holding `books/...` objects. Required. */
  imagesBucket: string;
  /**
   * `VISIBILITY_TIMEOUT_SECONDS`: the queue's visibility timeout. A job still `processing` after this long was
   * abandoned by a crashed worker and may be taken over. Default 300.
   */
  visibilityTimeoutSeconds: number;
  /** `MAX_IMAGE_DIMENSION`: largest accepted width or height in pixels. Default 4096. */
  maxImageDimension: number;
  /** `MIN_SUBJECT_PIXELS`: smallest accepted subject width and height, in source pixels. Default 100. */
  minSubjectPixels: number;
  /** `DB_POOL_SIZE`: connections in the pool; a Lambda handles one batch at a time. Default 2. */
  dbPoolSize: number;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < 1 || value > max) throw new ConfigError(name, `must be from 1 to ${max}, got ${value}`);
  return value;
}

function required(env: NodeJS.ProcessEnv, name: string, hint: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(name, `is required: ${hint}`);
  return value;
}

/** Reads and validates the configuration; throws {@link ConfigError} naming the first bad or missing variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProcessorConfig {
  // The embedded database is for local development of the API only: a Lambda must share the API's PostgreSQL.
  const database = databaseSourceFromEnv(env, { required: true });
  const imagesBucket = required(env, 'IMAGES_BUCKET', 'the bucket that holds books/... images');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(imagesBucket)) {
    throw new ConfigError('IMAGES_BUCKET', `"${imagesBucket}" is not a valid bucket name`);
  }
  return {
    database,
    imagesBucket,
    // SQS caps the visibility timeout at 12 hours.
    visibilityTimeoutSeconds: positiveInt(env, 'VISIBILITY_TIMEOUT_SECONDS', 300, 43_200),
    maxImageDimension: positiveInt(env, 'MAX_IMAGE_DIMENSION', 4096, 16_384),
    minSubjectPixels: positiveInt(env, 'MIN_SUBJECT_PIXELS', 100, 4096),
    dbPoolSize: positiveInt(env, 'DB_POOL_SIZE', 2, 20),
  };
}
