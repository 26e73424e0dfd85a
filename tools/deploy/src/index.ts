export {
  loadDeployConfig,
  functionEnvironment,
  localResourceNames,
  type DeployConfig,
  type FunctionSpec,
  type ScheduleSpec,
  type SqsTriggerSpec,
  type GrantsSpec,
  type VpcSpec,
  type HttpSpec,
  type ResourceNames,
} from './config';
export {
  deployFunction,
  wireSqsTrigger,
  wireSchedule,
  schedulerRoleArn,
  LIVE_ALIAS,
  SCHEDULER_ROLE_VARIABLE,
  LOCAL_SCHEDULER_ROLE_ARN,
  type FunctionDeployResult,
  type ScheduleOutcome,
} from './deploy-function';
export { deployApp, type DeployAppOptions } from './deploy-app';
export { bundleApp, type BuiltFunction, type BundleManifest } from './bundle-app';
export { resolveAwsClientsPin, pinAwsClients, pinnedCopyPath, awsClientsSourceHash, PIN_FIELD, type AwsClientsPin } from './pin';
export { copyPackageClosure } from './native-modules';
export { bundleLambda, bundleLambdaWithMetafile, LAMBDA_EXTERNALS, type BundleLambdaOptions } from './bundle';
export { zipDirectory, zipFiles } from './zip';
export { ensureBucket, ensureQueue, type QueueSpec, type ProvisionedQueue } from './provision';
export { readDeployState, recordDeployState, LOCAL_STACK_FILE, type DeployState } from './state';
export {
  DeployFileSchema,
  FunctionSchema,
  deployFileJsonSchema,
  RUNTIMES,
  DEFAULT_RUNTIME,
  LOG_RETENTION_DAYS,
  DEFAULT_LOG_RETENTION_DAYS,
  BUCKET_ACCESS,
} from './schema';
export {
  deployAppToAws,
  setupAwsEnvironment,
  deploysToLocalStack,
  isLoopbackEndpoint,
  cdkDeployArgs,
  cdkBootstrapArgs,
  assemblyHasStack,
  appStackName,
  sharedStackName,
  appAssemblyDir,
  sharedAssemblyDir,
} from './aws-deploy';
