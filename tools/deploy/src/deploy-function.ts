import {
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListEventSourceMappingsCommand,
  PublishVersionCommand,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateEventSourceMappingCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException as ScheduleNotFoundException,
  UpdateScheduleCommand,
  type GetScheduleCommandOutput,
  type UpdateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { ConfigError, getLambdaClient, getSchedulerClient, invokeJson, readAwsEnvironment } from '@bmx/aws-clients';
import { createHash } from 'node:crypto';
import { isLoopbackEndpoint } from './aws-deploy';
import type { FunctionSpec } from './config';
import { localRoleArn } from './local-account';
import { ensureQueue } from './provision';
import { DEFAULT_RUNTIME } from './schema';

/** The alias that traffic and triggers use; moved only after a passing smoke test. */
export const LIVE_ALIAS = 'live';

/** What one function deploy did. */
export interface FunctionDeployResult {
  name: string;
  created: boolean;
  /** True when `live` already runs this exact code and configuration: nothing was deployed. */
  unchanged: boolean;
  /** Why a function that existed was deployed again: what differed from what `live` runs. */
  changed?: string[];
  version: string;
  /** The version `live` pointed at before, when there was one. */
  previousVersion?: string;
  smokeTest: 'passed' | 'failed';
  rolledBack: boolean;
  error?: string;
  /** What the deploy did to the function's schedule; absent when it did not get that far (failed smoke test). */
  schedule?: ScheduleOutcome;
}

async function aliasVersion(name: string): Promise<string | undefined> {
  try {
    return (await getLambdaClient().send(new GetAliasCommand({ FunctionName: name, Name: LIVE_ALIAS }))).FunctionVersion;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** What the new deploy would change compared with the version `live` runs: field names, and variable names only (never values). */
export function differencesFromLive(
  live: { CodeSha256?: string; Runtime?: string; Handler?: string; MemorySize?: number; Timeout?: number; Environment?: { Variables?: Record<string, string> } },
  settings: { Runtime: string; Handler: string; MemorySize: number; Timeout: number; Environment: { Variables: Record<string, string> } },
  codeSha256: string,
): string[] {
  const changed: string[] = [];
  if (live.CodeSha256 !== codeSha256) changed.push('code');
  if (live.Runtime !== settings.Runtime) changed.push('runtime');
  if (live.Handler !== settings.Handler) changed.push('handler');
  if (live.MemorySize !== settings.MemorySize) changed.push('memory');
  if (live.Timeout !== settings.Timeout) changed.push('timeout');
  const before = live.Environment?.Variables ?? {};
  const after = settings.Environment.Variables;
  const variables = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((name) => before[name] !== after[name]).sort();
  if (variables.length > 0) changed.push(`environment (${variables.join(', ')})`);
  return changed;
}

async function liveConfiguration(name: string) {
  try {
    return await getLambdaClient().send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: LIVE_ALIAS }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function pointAlias(name: string, version: string, exists: boolean): Promise<void> {
  const command = exists
    ? new UpdateAliasCommand({ FunctionName: name, Name: LIVE_ALIAS, FunctionVersion: version })
    : new CreateAliasCommand({ FunctionName: name, Name: LIVE_ALIAS, FunctionVersion: version });
  await getLambdaClient().send(command as never);
}

async function exists(name: string): Promise<boolean> {
  try {
    await getLambdaClient().send(new GetFunctionCommand({ FunctionName: name }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

/**
 * Creates or updates one function from its zip, publishes a version, smoke-tests that version, and only then
 * moves `live` to it; a failing smoke test leaves (or puts back) `live` on the previous version.
 */
export async function deployFunction(spec: FunctionSpec, zip: Buffer, environment: Record<string, string>): Promise<FunctionDeployResult> {
  const lambda = getLambdaClient();
  const settings = {
    FunctionName: spec.name,
    Handler: `index.${spec.export ?? 'handler'}`,
    Runtime: spec.runtime ?? DEFAULT_RUNTIME,
    MemorySize: spec.memorySize ?? 512,
    Timeout: spec.timeout ?? 30,
    Environment: { Variables: environment },
  };
  const created = !(await exists(spec.name));
  const codeSha256 = createHash('sha256').update(zip).digest('base64');
  let changed: string[] | undefined;
  if (!created) {
    const live = await liveConfiguration(spec.name);
    changed = live ? differencesFromLive(live, settings, codeSha256) : ['no live alias'];
    if (live && changed.length === 0) {
      return { name: spec.name, created: false, unchanged: true, version: live.Version as string, smokeTest: 'passed', rolledBack: false };
    }
  }
  if (created) {
    await lambda.send(new CreateFunctionCommand({ ...settings, Role: localRoleArn('bmx-lambda'), Code: { ZipFile: zip } }));
  } else {
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: spec.name, ZipFile: zip }));
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 120 }, { FunctionName: spec.name });
    await lambda.send(new UpdateFunctionConfigurationCommand(settings));
  }
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 120 }, { FunctionName: spec.name });
  const { Version: version } = await lambda.send(new PublishVersionCommand({ FunctionName: spec.name }));
  const previousVersion = await aliasVersion(spec.name);

  let smokeError: string | undefined;
  try {
    await invokeJson(spec.name, spec.smokeTest ?? { smoke_test: true }, { qualifier: version });
  } catch (error) {
    smokeError = (error as Error).message;
  }
  if (smokeError === undefined) {
    await pointAlias(spec.name, version as string, previousVersion !== undefined);
  }
  // On a failed smoke test `live` is not touched: it stays on the previous version, or, for a first deploy, does
  // not exist, so no trigger runs the broken code.
  return {
    name: spec.name,
    created,
    unchanged: false,
    version: version as string,
    previousVersion,
    ...(changed ? { changed } : {}),
    smokeTest: smokeError === undefined ? 'passed' : 'failed',
    rolledBack: smokeError !== undefined,
    ...(smokeError !== undefined ? { error: smokeError } : {}),
  };
}

/** Creates the trigger queue (with its DLQ) and maps it to the `live` alias; updates the mapping when it exists. */
export async function wireSqsTrigger(spec: FunctionSpec): Promise<{ queueUrl: string; mappingUuid: string } | undefined> {
  if (!spec.sqs) return undefined;
  const queue = await ensureQueue({
    name: spec.sqs.queue,
    visibilityTimeoutSeconds: spec.sqs.visibilityTimeoutSeconds ?? Math.max(30, (spec.timeout ?? 30) * 6),
    maxReceiveCount: spec.sqs.maxReceiveCount ?? 3,
  });
  const lambda = getLambdaClient();
  const target = `${spec.name}:${LIVE_ALIAS}`;
  const existing = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: spec.name, EventSourceArn: queue.arn }));
  const settings = { BatchSize: spec.sqs.batchSize ?? 10, FunctionResponseTypes: ['ReportBatchItemFailures' as const] };
  const current = existing.EventSourceMappings?.[0];
  const mapping = current
    ? await lambda.send(new UpdateEventSourceMappingCommand({ UUID: current.UUID, FunctionName: target, Enabled: true, ...settings }))
    : await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: target, EventSourceArn: queue.arn, Enabled: true, ...settings }));
  return { queueUrl: queue.url, mappingUuid: mapping.UUID as string };
}

/** Variable naming the IAM role EventBridge Scheduler assumes to invoke scheduled functions. */
export const SCHEDULER_ROLE_VARIABLE = 'BMX_SCHEDULER_ROLE_ARN';
/** Name of the role used when the Scheduler endpoint is the local stack's, which checks no permissions. */
export const LOCAL_SCHEDULER_ROLE = 'bmx-local-scheduler';
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/**
 * The role schedules run as: `BMX_SCHEDULER_ROLE_ARN`, else, when the Scheduler endpoint is on loopback (the local
 * stack), a placeholder. Throws {@link ConfigError} naming the variable for a deploy to AWS without it.
 */
export function schedulerRoleArn(env: NodeJS.ProcessEnv = process.env): string {
  const value = env[SCHEDULER_ROLE_VARIABLE]?.trim();
  if (value) {
    if (!ROLE_ARN.test(value)) throw new ConfigError(SCHEDULER_ROLE_VARIABLE, `"${value}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
    return value;
  }
  // The same endpoint rule the Scheduler client follows.
  if (isLoopbackEndpoint(readAwsEnvironment(env).endpoints.scheduler)) return localRoleArn(LOCAL_SCHEDULER_ROLE, env);
  throw new ConfigError(
    SCHEDULER_ROLE_VARIABLE,
    'must be set to the IAM role EventBridge Scheduler assumes to invoke scheduled functions (lambda:InvokeFunction on their live alias)',
  );
}

/** What {@link wireSchedule} did. */
export type ScheduleOutcome = 'created' | 'updated' | 'unchanged' | 'deleted' | 'none';

async function currentSchedule(name: string): Promise<GetScheduleCommandOutput | undefined> {
  try {
    return await getSchedulerClient().send(new GetScheduleCommand({ Name: name }));
  } catch (error) {
    if (error instanceof ScheduleNotFoundException) return undefined;
    throw error;
  }
}

/** True when the schedule Scheduler has is the one the config asks for (fields the deploy sets; Scheduler's defaults aside). */
export function sameSchedule(current: GetScheduleCommandOutput, desired: UpdateScheduleCommandInput): boolean {
  const window = (w: typeof desired.FlexibleTimeWindow) => `${w?.Mode}/${w?.MaximumWindowInMinutes ?? ''}`;
  return (
    current.ScheduleExpression === desired.ScheduleExpression &&
    (current.ScheduleExpressionTimezone ?? 'UTC') === (desired.ScheduleExpressionTimezone ?? 'UTC') &&
    current.State === desired.State &&
    (current.Description ?? '') === (desired.Description ?? '') &&
    window(current.FlexibleTimeWindow) === window(desired.FlexibleTimeWindow) &&
    current.Target?.Arn === desired.Target?.Arn &&
    current.Target?.RoleArn === desired.Target?.RoleArn &&
    current.Target?.Input === desired.Target?.Input
  );
}

/**
 * Makes the function's EventBridge Scheduler schedule (named after the function, default group) what its config
 * says, targeting the `live` alias: created when missing, updated when different, left alone when the same, and
 * deleted when the config no longer has one. `roleArn` defaults to {@link schedulerRoleArn}.
 */
export async function wireSchedule(spec: FunctionSpec, roleArn?: string): Promise<ScheduleOutcome> {
  const scheduler = getSchedulerClient();
  const current = await currentSchedule(spec.name);
  if (!spec.schedule) {
    if (!current) return 'none';
    await scheduler.send(new DeleteScheduleCommand({ Name: spec.name }));
    return 'deleted';
  }
  const alias = await getLambdaClient().send(new GetAliasCommand({ FunctionName: spec.name, Name: LIVE_ALIAS }));
  const { expression, input, timezone, flexibleWindowMinutes, enabled } = spec.schedule;
  const desired: UpdateScheduleCommandInput = {
    Name: spec.name,
    ScheduleExpression: expression,
    ...(timezone ? { ScheduleExpressionTimezone: timezone } : {}),
    State: enabled === false ? 'DISABLED' : 'ENABLED',
    Description: `${spec.name} ${LIVE_ALIAS}, from lambda.deploy.json`,
    FlexibleTimeWindow: flexibleWindowMinutes ? { Mode: 'FLEXIBLE', MaximumWindowInMinutes: flexibleWindowMinutes } : { Mode: 'OFF' },
    Target: { Arn: alias.AliasArn as string, RoleArn: roleArn ?? schedulerRoleArn(), Input: JSON.stringify(input ?? {}) },
  };
  if (!current) {
    await scheduler.send(new CreateScheduleCommand(desired));
    return 'created';
  }
  if (sameSchedule(current, desired)) return 'unchanged';
  await scheduler.send(new UpdateScheduleCommand(desired));
  return 'updated';
}
