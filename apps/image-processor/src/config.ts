import { databaseSourceFromEnv, jobStaleAfterSeconds, type DatabaseSource } from '@bmx/db';
import { readBucketName, readInteger, type Env } from '@bmx/lambda-kit';

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
   * `IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS`: the queue's visibility timeout. A job still `processing` with no sign of
   * life after this long was abandoned by a crashed worker and may be taken over; the API's retry handler reads the
   * same variable (`jobStaleAfterSeconds` of @bmx/db). Default 1800, the deployed queue's.
   */
  jobStaleAfterSeconds: number;
  /** `MAX_IMAGE_DIMENSION`: largest accepted width or height in pixels. Default 4096. */
  maxImageDimension: number;
  /** `MIN_SUBJECT_PIXELS`: smallest accepted subject width and height, in source pixels. Default 100. */
  minSubjectPixels: number;
  /** `DB_POOL_SIZE`: connections in the pool; a Lambda handles one batch at a time. Default 2. */
  dbPoolSize: number;
}

/** Reads and validates the configuration; throws `ConfigError` naming the first bad or missing variable. */
export function loadConfig(env: Env = process.env): ProcessorConfig {
  return {
    // The embedded database is for local development of the API only: a Lambda must share the API's PostgreSQL.
    database: databaseSourceFromEnv(env, { required: true }),
    imagesBucket: readBucketName(env, 'IMAGES_BUCKET'),
    jobStaleAfterSeconds: jobStaleAfterSeconds(env),
    maxImageDimension: readInteger(env, 'MAX_IMAGE_DIMENSION', 4096, { min: 1, max: 16_384 }),
    minSubjectPixels: readInteger(env, 'MIN_SUBJECT_PIXELS', 100, { min: 1, max: 4096 }),
    dbPoolSize: readInteger(env, 'DB_POOL_SIZE', 2, { min: 1, max: 20 }),
  };
}
