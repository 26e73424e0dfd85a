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
import { getLambdaClient, invokeJson } from '@bmx/aws-clients';
import { createHash } from 'node:crypto';
import { ensureQueue } from '@bmx/local-aws';
import type { FunctionSpec } from './config';

/** The alias that traffic and triggers use; moved only after a passing smoke test. */
export const LIVE_ALIAS = 'live';

/** What one function deploy did. */
export interface FunctionDeployResult {
  name: string;
  created: boolean;
  /** True when `live` already runs this exact code and configuration: nothing was deployed. */
  unchanged: boolean;
  version: string;
  /** The version `live` pointed at before, when there was one. */
  previousVersion?: string;
  smokeTest: 'passed' | 'failed';
  rolledBack: boolean;
  error?: string;
}

async function aliasVersion(name: string): Promise<string | undefined> {
  try {
    return (await getLambdaClient().send(new GetAliasCommand({ FunctionName: name, Name: LIVE_ALIAS }))).FunctionVersion;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

function sorted(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
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
    Runtime: 'nodejs20.x' as const,
    MemorySize: spec.memorySize ?? 512,
    Timeout: spec.timeout ?? 30,
    Environment: { Variables: environment },
  };
  const created = !(await exists(spec.name));
  const codeSha256 = createHash('sha256').update(zip).digest('base64');
  if (!created) {
    const live = await liveConfiguration(spec.name);
    if (
      live &&
      live.CodeSha256 === codeSha256 &&
      live.Handler === settings.Handler &&
      live.MemorySize === settings.MemorySize &&
      live.Timeout === settings.Timeout &&
      JSON.stringify(sorted(live.Environment?.Variables ?? {})) === JSON.stringify(sorted(environment))
    ) {
      return { name: spec.name, created: false, unchanged: true, version: live.Version as string, smokeTest: 'passed', rolledBack: false };
    }
  }
  if (created) {
    await lambda.send(new CreateFunctionCommand({ ...settings, Role: 'arn:aws:iam::000000000000:role/bmx-lambda', Code: { ZipFile: zip } }));
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

/** Sets the function's rate schedule on the local Lambda server (which stands in for EventBridge). */
export async function wireSchedule(spec: FunctionSpec, lambdaEndpoint: string): Promise<void> {
  if (!spec.schedule) return;
  const response = await fetch(`${lambdaEndpoint}/local/schedules/${encodeURIComponent(spec.name)}`, {
    method: 'PUT',
    body: JSON.stringify({ FunctionName: `${spec.name}:${LIVE_ALIAS}`, RateSeconds: spec.schedule.rateSeconds, Input: spec.schedule.input ?? {} }),
  });
  if (!response.ok) throw new Error(`schedule for ${spec.name}: ${response.status} ${await response.text()}`);
}
