export { startLocalAws, type LocalAws, type LocalAwsOptions } from './stack';
export { spawnLocalAws, type LocalAwsProcess } from './process';
export { ensureBucket, ensureQueue, type QueueSpec, type ProvisionedQueue } from './provision';
export { startLambdaServer, type LambdaServer, type LambdaServerOptions } from './lambda/server';
export { zipDirectory, zipFiles } from './zip';
export { bundleLambda, bundleLambdaWithMetafile, LAMBDA_EXTERNALS, type BundleLambdaOptions } from './bundle';
export { startGate, type Gate } from './gate';
export { startSchedulerServer, fireSchedule, type SchedulerServer, type SchedulerServerOptions, type ScheduleRun } from './scheduler/server';
export { parseScheduleExpression, ScheduleExpressionError, type ScheduleExpression } from './scheduler/expression';
