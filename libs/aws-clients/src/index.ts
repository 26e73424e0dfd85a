export {
  getS3Client,
  getSqsClient,
  getLambdaClient,
  getSecretsManagerClient,
  getSchedulerClient,
  getAwsEnvironment,
  getAwsRegion,
  resetAwsClients,
  type ResetOptions,
} from './lib/clients';
export { readAwsEnvironment, type AwsEnvironment, type AwsService } from './lib/config';
export { resolveAwsRegion, DEFAULT_REGION, type RegionSource, type ResolvedRegion } from './lib/region';
export { CLIENT_PROFILES, REQUEST_PATH_PROFILE, type ClientProfile, type ClientProfileSettings } from './lib/profiles';
export { runBounded } from './lib/concurrency';
export {
  queueRefFromEnv,
  resolveQueueUrl,
  resetQueueUrlCache,
  sendJsonMessage,
  sendJsonMessages,
  type QueueRef,
  type MessageAttributes,
  type SendJsonOptions,
  type SendJsonBatchOptions,
  type SendJsonBatchResult,
} from './lib/queues';
export { invokeJson, type InvokeJsonOptions } from './lib/lambda';
export { presignGetUrl, presignPutUrl, MAX_PRESIGN_SECONDS, PRESIGN_CACHE_ENTRIES, type PresignGetOptions, type PresignPutOptions } from './lib/presign';
export { getSecretString, getSecretJson, resetSecretCache, SecretNotJsonError, DEFAULT_SECRET_MAX_AGE_MS, type SecretReadOptions } from './lib/secrets';
export {
  ConfigError,
  LambdaFunctionError,
  LambdaStatusError,
  type BatchEntryFailure,
} from './lib/errors';
