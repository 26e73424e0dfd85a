export * from './lib/schema';
export { migrateToLatest, migrationStatus, type MigrationState } from './lib/migrations';
export { createApiKey, hashApiKey, listApiKeys, revokeApiKey, type ApiKeySummary, type CreateApiKeyOptions } from './lib/api-keys';
export { listTrackingEvents } from './lib/tracking-events';
export {
  appendImage,
  ForeignImagesError,
  galleryImage,
  galleryImageByHash,
  galleryImageByKey,
  insertProcessedImage,
  listGallery,
  lockGallery,
  orderAfterProcessedInsert,
  primaryImage,
  removeGalleryImage,
  reorderGallery,
  setPrimary,
  updateGalleryImage,
  type GalleryImageValues,
  type ImageDetails,
  type OrderedImage,
  type PrimaryChange,
} from './lib/gallery';
export {
  claimImageJob,
  completeImageJob,
  createImageJob,
  DEFAULT_JOB_STALE_AFTER_SECONDS,
  findLiveImageJob,
  getImageJob,
  JOB_STALE_AFTER_VARIABLE,
  jobStaleAfterSeconds,
  JobNotRequeueableError,
  LIVE_JOB_STATUSES,
  markJobQueueFailed,
  processedSourceIds,
  recordImageJobFailure,
  REQUEUEABLE_JOB_STATUSES,
  requeueImageJob,
  retryQueueFailedJobs,
  type CompletedJob,
  type CompletionResult,
  type CreatedJob,
  type JobToSend,
  type RetryOptions,
  type RetrySummary,
} from './lib/image-jobs';
export { pingDatabase } from './lib/ping';
export { createDatabase, connectPostgres, reportClientErrors, type DatabaseOptions } from './lib/connect';
export {
  databaseSourceFromEnv,
  databaseUrlFromSecret,
  databaseSecretFromUrl,
  resolveDatabaseUrl,
  type DatabaseSource,
  type ResolveDatabaseUrlOptions,
} from './lib/database-source';
export { SecretPool, isAuthFailure, AUTH_FAILURE_CODES, type PoolFactory } from './lib/secret-pool';
export { sql, type Kysely, type Transaction } from 'kysely';
