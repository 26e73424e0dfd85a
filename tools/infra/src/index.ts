export {
  AppStack,
  DLQ_RETENTION_DAYS,
  VISIBILITY_TIMEOUT_FACTOR,
  type AppStackProps,
} from './app-stack';
export { SharedStack, type SharedStackProps } from './shared-stack';
export { synth, repoRoot, type SynthOptions, type Synthesized } from './synth';
export {
  loadEnvironment,
  checkEnvironment,
  environmentNames,
  ENVIRONMENTS_FILE,
  type EnvironmentSettings,
  type NetworkSettings,
  type DatabaseSettings,
} from './environments';
export { appStackName, sharedStackName, sharedExports } from './names';
export * from './grants';
export { METRIC_ALARMS, metricAlarmsOf, type MetricAlarmSpec } from './metric-alarms';
export { smokeTest, deployStep, type SmokeTestHookProps } from './deploy-steps';
