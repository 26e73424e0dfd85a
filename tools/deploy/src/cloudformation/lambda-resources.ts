// AWS::Lambda::Function, Version, Alias and EventSourceMapping on the local Lambda server. The deploy keeps what
// users rely on: a function whose code and configuration are what `live` runs is not republished, and a deploy says
// what differs from `live`. What gates an alias is the template's, as on AWS: it depends on the new version's
// `Custom::SmokeTest` (custom-resources.ts runs it), so a version that failed it never reaches this code.
import {
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  ListEventSourceMappingsCommand,
  PublishVersionCommand,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateEventSourceMappingCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { getLambdaClient } from '@bmx/aws-clients';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { zipDirectory, zipFiles } from '../zip';
import { TemplateError } from './intrinsics';
import { arn, functionRef, generatedName, optionalNumber, optionalString, requiredString, type FunctionProgress, type Provisioned, type ResourceContext, type ResourceType } from './resource';

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

async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

const configurationOf = (name: string, qualifier?: string) =>
  orUndefined(getLambdaClient().send(new GetFunctionConfigurationCommand({ FunctionName: name, ...(qualifier ? { Qualifier: qualifier } : {}) })));

const waitUntilUpdated = (name: string) => waitUntilFunctionUpdatedV2({ client: getLambdaClient(), maxWaitTime: 120 }, { FunctionName: name });

/** The deployment package a function's `Code` names: an asset of the assembly (S3Bucket/S3Key), or inline `ZipFile`. */
function packageOf(context: ResourceContext): Buffer {
  const code = context.properties['Code'] as { S3Bucket?: unknown; S3Key?: unknown; ZipFile?: unknown } | undefined;
  if (typeof code?.ZipFile === 'string') return zipFiles({ 'index.js': code.ZipFile });
  if (typeof code?.S3Key !== 'string') throw new TemplateError(`${context.where}.Properties.Code needs S3Bucket and S3Key (an asset of the assembly) or ZipFile`);
  const asset = context.stack.assets.get(code.S3Key);
  if (!asset) throw new TemplateError(`${context.where}.Properties.Code.S3Key ${code.S3Key} is not an asset of ${context.stack.id} (its .assets.json lists none by that key)`);
  if (!existsSync(asset.path)) throw new TemplateError(`${context.where}: asset ${asset.path} is missing from the assembly`);
  if (asset.packaging === 'zip' || statSync(asset.path).isDirectory()) return zipDirectory(asset.path);
  return readFileSync(asset.path);
}

/** The configuration the template asks for, in the shape the Lambda API takes (its defaults filled in, as AWS does). */
function settingsOf(context: ResourceContext, name: string) {
  const variables = (context.properties['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  return {
    FunctionName: name,
    Runtime: requiredString(context, 'Runtime') as Runtime,
    Handler: requiredString(context, 'Handler'),
    MemorySize: optionalNumber(context, 'MemorySize') ?? 128,
    Timeout: optionalNumber(context, 'Timeout') ?? 3,
    Role: requiredString(context, 'Role'),
    Description: optionalString(context, 'Description') ?? '',
    Environment: { Variables: Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, String(value)])) },
  };
}

export const lambdaFunction: ResourceType = {
  required: ['Code', 'Role', 'Runtime', 'Handler'],
  async apply(context) {
    const name = optionalString(context, 'FunctionName') ?? generatedName(context, 64);
    const zip = packageOf(context);
    const settings = settingsOf(context, name);
    const codeSha256 = createHash('sha256').update(zip).digest('base64');
    const lambda = getLambdaClient();
    const latest = await configurationOf(name);
    const live = latest ? await configurationOf(name, 'live') : undefined;
    const changedFromLive = live ? differencesFromLive(live, settings, codeSha256) : latest ? ['no live alias'] : [];
    let outcome: Provisioned['outcome'] = 'unchanged';
    let changed: string[] = [];
    if (!latest) {
      await lambda.send(new CreateFunctionCommand({ ...settings, Code: { ZipFile: zip } }));
      outcome = 'created';
    } else {
      changed = differencesFromLive(latest, settings, codeSha256);
      if (changed.includes('code')) {
        await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip }));
        await waitUntilUpdated(name);
      }
      if (changed.some((field) => field !== 'code')) await lambda.send(new UpdateFunctionConfigurationCommand(settings));
      if (changed.length > 0) outcome = 'updated';
    }
    if (outcome !== 'unchanged') await waitUntilUpdated(name);
    context.run.functions.set(name, {
      logicalId: context.logicalId,
      ...(live?.Version ? { liveVersion: live.Version } : {}),
      changedFromLive,
      created: !latest,
      versioned: false,
      result: {
        name,
        created: !latest,
        unchanged: !!live && changedFromLive.length === 0,
        ...(latest ? { changed: changedFromLive } : {}),
        version: live?.Version ?? '',
        ...(live?.Version ? { previousVersion: live.Version } : {}),
        smokeTest: 'not run',
        rolledBack: false,
      },
    });
    return {
      physicalId: name,
      attributes: { Arn: arn(context.env, 'lambda', `function:${name}`) },
      outcome,
      ...(changed.length > 0 ? { detail: changed.join(', ') } : {}),
    };
  },
  async remove(name) {
    await orUndefined(getLambdaClient().send(new DeleteFunctionCommand({ FunctionName: name })));
  },
};

function progressOf(context: ResourceContext, property: string) {
  const { name, qualifier } = functionRef(requiredString(context, property));
  const progress = context.run.functions.get(name);
  if (!progress) throw new TemplateError(`${context.where}.Properties.${property} names ${name}, which is not a function of this stack`);
  return { name, qualifier, progress };
}

/** A version is published only when the function differs from what `live` runs; otherwise it is `live`'s version. */
export const lambdaVersion: ResourceType = {
  required: ['FunctionName'],
  async apply(context) {
    const { name, progress } = progressOf(context, 'FunctionName');
    let version = progress.liveVersion;
    let outcome: Provisioned['outcome'] = 'unchanged';
    if (!version || progress.changedFromLive.length > 0) {
      await waitUntilUpdated(name);
      version = (await getLambdaClient().send(new PublishVersionCommand({ FunctionName: name, Description: optionalString(context, 'Description') }))).Version as string;
      outcome = 'created';
    }
    progress.versioned = true;
    progress.result.version = version;
    return {
      physicalId: arn(context.env, 'lambda', `function:${name}:${version}`),
      attributes: { Version: version, FunctionArn: arn(context.env, 'lambda', `function:${name}`) },
      outcome,
    };
  },
};

/** The function whose `Ref` an alias's `FunctionName` is, found without resolving anything. */
function aliasedFunction(context: Pick<ResourceContext, 'resource' | 'run'>): FunctionProgress | undefined {
  const ref = (context.resource.Properties?.['FunctionName'] as { Ref?: unknown } | undefined)?.Ref;
  return [...context.run.functions.values()].find((progress) => progress.logicalId === ref);
}

/**
 * An alias is moved when CloudFormation would move it: once everything it depends on was made, the new version's
 * `Custom::SmokeTest` (and the app's deploy steps) included. When one of those failed, the alias is skipped and
 * stays where it was (on a first deploy it is not created, and what depends on it is skipped too).
 */
export const lambdaAlias: ResourceType = {
  required: ['FunctionName', 'FunctionVersion', 'Name'],
  async apply(context) {
    const { name, progress } = progressOf(context, 'FunctionName');
    const aliasName = requiredString(context, 'Name');
    const version = requiredString(context, 'FunctionVersion');
    const aliasArn = arn(context.env, 'lambda', `function:${name}:${aliasName}`);
    const current = await orUndefined(getLambdaClient().send(new GetAliasCommand({ FunctionName: name, Name: aliasName })));
    progress.result.version = version;
    const provisioned = (outcome: Provisioned['outcome'], detail?: string): Provisioned => ({ physicalId: aliasArn, attributes: { AliasArn: aliasArn }, outcome, ...(detail ? { detail } : {}) });
    if (current?.FunctionVersion === version) return provisioned('unchanged');
    const input = { FunctionName: name, Name: aliasName, FunctionVersion: version, Description: optionalString(context, 'Description') };
    if (current) await getLambdaClient().send(new UpdateAliasCommand(input));
    else await getLambdaClient().send(new CreateAliasCommand(input));
    progress.result.unchanged = false;
    return provisioned(current ? 'updated' : 'created', `${current ? `${current.FunctionVersion} → ` : ''}${version}`);
  },
  skipped(context, cause) {
    const result = aliasedFunction(context)?.result;
    // A failed smoke test has said so already, in its own words.
    if (!result || result.smokeTest === 'failed') return;
    Object.assign(result, { rolledBack: true, unchanged: false, error: cause });
  },
};

function mappingSettings(context: ResourceContext) {
  const responseTypes = (context.properties['FunctionResponseTypes'] as string[] | undefined) ?? [];
  return {
    BatchSize: optionalNumber(context, 'BatchSize') ?? 10,
    MaximumBatchingWindowInSeconds: optionalNumber(context, 'MaximumBatchingWindowInSeconds') ?? 0,
    FunctionResponseTypes: responseTypes as 'ReportBatchItemFailures'[],
    Enabled: context.properties['Enabled'] !== false && context.properties['Enabled'] !== 'false',
    ...(context.properties['ScalingConfig'] ? { ScalingConfig: context.properties['ScalingConfig'] as { MaximumConcurrency?: number } } : {}),
  };
}

export const eventSourceMapping: ResourceType = {
  required: ['FunctionName', 'EventSourceArn'],
  async apply(context) {
    const target = requiredString(context, 'FunctionName');
    const { name } = functionRef(target);
    const eventSourceArn = requiredString(context, 'EventSourceArn');
    const settings = mappingSettings(context);
    const lambda = getLambdaClient();
    const existing = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: name, EventSourceArn: eventSourceArn }))).EventSourceMappings?.[0];
    let uuid = existing?.UUID;
    let outcome: Provisioned['outcome'] = 'unchanged';
    const differences: string[] = [];
    if (!existing) {
      uuid = (await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: target, EventSourceArn: eventSourceArn, ...settings }))).UUID;
      outcome = 'created';
    } else {
      if (functionRef(existing.FunctionArn ?? '').qualifier !== functionRef(target).qualifier) differences.push('function');
      if (existing.BatchSize !== settings.BatchSize) differences.push('batch size');
      if ((existing.MaximumBatchingWindowInSeconds ?? 0) !== settings.MaximumBatchingWindowInSeconds) differences.push('batching window');
      if ([...(existing.FunctionResponseTypes ?? [])].sort().join() !== [...settings.FunctionResponseTypes].sort().join()) differences.push('response types');
      if ((existing.State === 'Enabled') !== settings.Enabled) differences.push('state');
      if (differences.length > 0) {
        await lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, FunctionName: target, ...settings }));
        outcome = 'updated';
      }
    }
    return {
      physicalId: uuid as string,
      attributes: { Id: uuid, EventSourceMappingArn: arn(context.env, 'lambda', `event-source-mapping:${uuid}`) },
      outcome,
      ...(differences.length > 0 ? { detail: differences.join(', ') } : {}),
    };
  },
  async remove(uuid) {
    await orUndefined(getLambdaClient().send(new DeleteEventSourceMappingCommand({ UUID: uuid })));
  },
};

