export { loadDeployConfig, type DeployConfig, type FunctionSpec } from './config';
export { deployFunction, wireSqsTrigger, wireSchedule, LIVE_ALIAS, type FunctionDeployResult } from './deploy-function';
export { deployApp, type DeployAppOptions } from './deploy-app';
