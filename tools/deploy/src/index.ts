export {
  loadDeployConfig,
  localResourceNames,
  isLocalEnvironment,
  applyVariant,
  type DeployVariant,
  type DeployConfig,
  type FunctionSpec,
  type ScheduleSpec,
  type SqsTriggerSpec,
  type GrantsSpec,
  type VpcSpec,
  type HttpSpec,
  type ResourceNames,
} from './config';
export { bundleApp, type BuiltFunction, type BundleManifest } from './bundle-app';
export { resolveAwsClientsPin, pinAwsClients, pinnedCopyPath, awsClientsSourceHash, PIN_FIELD, type AwsClientsPin } from './pin';
export { copyPackageClosure } from './native-modules';
export { bundleLambda, bundleLambdaWithMetafile, esbuildTarget, LAMBDA_EXTERNALS, type BundleLambdaOptions, type Runtime } from './bundle';
export { zipDirectory, zipFiles } from './zip';
export { ensureBucket, ensureQueue, ensureQueueAttributes, type QueueSpec, type ProvisionedQueue, type MatchedQueue } from './provision';
export {
  provisionAssembly,
  destroyStacks,
  localHandlingOf,
  type ProvisionOptions,
  type StackProvisionResult,
  type ResourceResult,
} from './cloudformation/provision-assembly';
export { LIVE_ALIAS, type FunctionDeployResult, type ScheduleOutcome } from './cloudformation/resource';
export {
  deployToLocalStack,
  seedLocalSecrets,
  localSecretValuesFromEnv,
  localSecretVariable,
  versionsNotMadeLive,
  synthesize,
  type LocalDeployOptions,
  type LocalSecretValues,
  type SynthTarget,
} from './local-deploy';
export { readCloudAssembly, type AssemblyStack, type Template, type TemplateResource, type FileAsset } from './cloudformation/assembly';
export { TemplateError } from './cloudformation/intrinsics';
export { ACCOUNT_VARIABLE, localAccountId } from './local-account';
export { NOT_ENFORCED_BECAUSE } from './cloudformation/checked-resources';
export { readDeployState, recordDeployState, useEnvironment, LOCAL_STACK_FILE, type DeployState } from './state';
export {
  DeployFileSchema,
  FunctionSchema,
  deployFileJsonSchema,
  RUNTIMES,
  DEFAULT_RUNTIME,
  DEFAULT_TIMEOUT_SECONDS,
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
  sharedExports,
  ensureAssembly,
  appAssemblyDir,
  sharedAssemblyDir,
} from './aws-deploy';
export { SMOKE_TEST_HOOK } from './deploy-hooks';
