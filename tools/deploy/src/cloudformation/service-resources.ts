// AWS::S3::Bucket, AWS::SQS::Queue, AWS::SecretsManager::Secret and AWS::Scheduler::Schedule on the local stack.
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException as ScheduleNotFound,
  UpdateScheduleCommand,
  type GetScheduleCommandOutput,
  type UpdateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException as SecretNotFound,
} from '@aws-sdk/client-secrets-manager';
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { getS3Client, getSchedulerClient, getSecretsManagerClient, getSqsClient } from '@bmx/aws-clients';
import { randomInt } from 'node:crypto';
import { ensureBucket, ensureQueueAttributes } from '../provision';
import { TemplateError } from './intrinsics';
import { arn, functionRef, generatedName, optionalString, requiredString, type ResourceContext, type ResourceType } from './resource';

export const bucket: ResourceType = {
  required: [],
  async apply(context) {
    const name = optionalString(context, 'BucketName') ?? generatedName(context, 63, true);
    const { created } = await ensureBucket(name);
    const suffix = context.env.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    return {
      physicalId: name,
      attributes: {
        Arn: arn(context.env, 's3', name, ''),
        DomainName: `${name}.s3.${suffix}`,
        RegionalDomainName: `${name}.s3.${context.env.region}.${suffix}`,
      },
      outcome: created ? 'created' : 'unchanged',
    };
  },
  async remove(name) {
    // Fails while the bucket holds objects, as on AWS; the provisioner reports it.
    await getS3Client().send(new DeleteBucketCommand({ Bucket: name }));
  },
};

/** Queue properties that are not SQS attributes. */
const NOT_ATTRIBUTES = new Set(['QueueName', 'Tags']);
/**
 * Encryption at rest: read, not enforced. The local SQS keeps messages in memory and does not model it (it takes
 * `SqsManagedSseEnabled` at CreateQueue, never reports it, and refuses it in SetQueueAttributes), so a rerun would
 * see a difference that is not there.
 */
const NOT_MODELLED_LOCALLY = new Set(['SqsManagedSseEnabled', 'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds']);

export const queue: ResourceType = {
  required: [],
  async apply(context) {
    const fifo = context.properties['FifoQueue'] === true || context.properties['FifoQueue'] === 'true';
    let name = optionalString(context, 'QueueName') ?? generatedName(context, fifo ? 75 : 80);
    if (fifo && !name.endsWith('.fifo')) name = `${name}.fifo`;
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(context.properties)) {
      if (NOT_ATTRIBUTES.has(key) || NOT_MODELLED_LOCALLY.has(key) || value === undefined) continue;
      attributes[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
    const matched = await ensureQueueAttributes(name, attributes);
    return {
      physicalId: matched.url,
      attributes: { Arn: matched.arn, QueueName: name, QueueUrl: matched.url },
      outcome: matched.created ? 'created' : matched.changed.length > 0 ? 'updated' : 'unchanged',
      ...(matched.changed.length > 0 ? { detail: matched.changed.join(', ') } : {}),
    };
  },
  async remove(url) {
    await getSqsClient().send(new DeleteQueueCommand({ QueueUrl: url }));
  },
};

/** What `GenerateSecretString` asks for, as Secrets Manager's GetRandomPassword reads it. */
interface GenerateSecretString {
  SecretStringTemplate?: string;
  GenerateStringKey?: string;
  PasswordLength?: number;
  ExcludeCharacters?: string;
  ExcludeLowercase?: boolean;
  ExcludeUppercase?: boolean;
  ExcludeNumbers?: boolean;
  ExcludePunctuation?: boolean;
  IncludeSpace?: boolean;
}

function generatedSecret(spec: GenerateSecretString, where: string): string {
  let characters = '';
  if (!spec.ExcludeLowercase) characters += 'abcdefghijklmnopqrstuvwxyz';
  if (!spec.ExcludeUppercase) characters += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  if (!spec.ExcludeNumbers) characters += '0123456789';
  if (!spec.ExcludePunctuation) characters += '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
  if (spec.IncludeSpace) characters += ' ';
  const allowed = [...characters].filter((c) => !(spec.ExcludeCharacters ?? '').includes(c));
  if (allowed.length === 0) throw new TemplateError(`${where}.Properties.GenerateSecretString excludes every character`);
  const password = Array.from({ length: Number(spec.PasswordLength ?? 32) }, () => allowed[randomInt(allowed.length)]).join('');
  if (!spec.SecretStringTemplate) return password;
  if (!spec.GenerateStringKey) throw new TemplateError(`${where}.Properties.GenerateSecretString has SecretStringTemplate without GenerateStringKey`);
  const template = JSON.parse(spec.SecretStringTemplate) as Record<string, unknown>;
  return JSON.stringify({ ...template, [spec.GenerateStringKey]: password });
}

export const secret: ResourceType = {
  required: [],
  async apply(context) {
    const name = optionalString(context, 'Name') ?? generatedName(context, 512);
    const secretString = optionalString(context, 'SecretString');
    const client = getSecretsManagerClient();
    let existing: { ARN?: string } | undefined;
    try {
      existing = await client.send(new DescribeSecretCommand({ SecretId: name }));
    } catch (error) {
      if (!(error instanceof SecretNotFound)) throw error;
    }
    if (!existing) {
      const value = secretString ?? generatedSecret((context.properties['GenerateSecretString'] ?? {}) as GenerateSecretString, context.where);
      const created = await client.send(new CreateSecretCommand({ Name: name, Description: optionalString(context, 'Description'), SecretString: value }));
      return { physicalId: created.ARN as string, attributes: { Id: created.ARN }, outcome: 'created' };
    }
    // A generated value is kept (CloudFormation does not regenerate it on update); a literal one is put when it changed.
    let outcome: 'updated' | 'unchanged' = 'unchanged';
    if (secretString !== undefined) {
      const current = await client.send(new GetSecretValueCommand({ SecretId: name }));
      if (current.SecretString !== secretString) {
        await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: secretString }));
        outcome = 'updated';
      }
    }
    return { physicalId: existing.ARN as string, attributes: { Id: existing.ARN }, outcome, ...(outcome === 'updated' ? { detail: 'value' } : {}) };
  },
  async remove(secretArn) {
    await getSecretsManagerClient().send(new DeleteSecretCommand({ SecretId: secretArn, ForceDeleteWithoutRecovery: true }));
  },
};

/** True when the schedule Scheduler has is the one the template asks for (the fields it sets; Scheduler's defaults aside). */
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

function desiredSchedule(context: ResourceContext, name: string): UpdateScheduleCommandInput {
  const target = context.properties['Target'] as Record<string, unknown> | undefined;
  if (!target || typeof target['Arn'] !== 'string' || typeof target['RoleArn'] !== 'string') {
    throw new TemplateError(`${context.where}.Properties.Target needs Arn and RoleArn`);
  }
  const window = context.properties['FlexibleTimeWindow'] as { Mode?: string; MaximumWindowInMinutes?: number } | undefined;
  if (!window?.Mode) throw new TemplateError(`${context.where}.Properties.FlexibleTimeWindow.Mode is required`);
  const timezone = optionalString(context, 'ScheduleExpressionTimezone');
  const description = optionalString(context, 'Description');
  return {
    Name: name,
    ScheduleExpression: requiredString(context, 'ScheduleExpression'),
    ...(timezone ? { ScheduleExpressionTimezone: timezone } : {}),
    State: (optionalString(context, 'State') ?? 'ENABLED') as 'ENABLED' | 'DISABLED',
    ...(description ? { Description: description } : {}),
    FlexibleTimeWindow: { Mode: window.Mode as 'OFF' | 'FLEXIBLE', ...(window.MaximumWindowInMinutes ? { MaximumWindowInMinutes: Number(window.MaximumWindowInMinutes) } : {}) },
    Target: {
      Arn: target['Arn'],
      RoleArn: target['RoleArn'],
      ...(target['Input'] !== undefined ? { Input: typeof target['Input'] === 'string' ? target['Input'] : JSON.stringify(target['Input']) } : {}),
      ...(target['RetryPolicy'] ? { RetryPolicy: target['RetryPolicy'] } : {}),
      ...(target['DeadLetterConfig'] ? { DeadLetterConfig: target['DeadLetterConfig'] } : {}),
    },
  };
}

export const schedule: ResourceType = {
  required: ['ScheduleExpression', 'FlexibleTimeWindow', 'Target'],
  async apply(context) {
    const group = optionalString(context, 'GroupName');
    if (group && group !== 'default') throw new TemplateError(`${context.where}.Properties.GroupName ${group}: the local Scheduler has only the default group`);
    const name = optionalString(context, 'Name') ?? generatedName(context, 64);
    const desired = desiredSchedule(context, name);
    const scheduler = getSchedulerClient();
    let current;
    try {
      current = await scheduler.send(new GetScheduleCommand({ Name: name }));
    } catch (error) {
      if (!(error instanceof ScheduleNotFound)) throw error;
    }
    const attributes = { Arn: arn(context.env, 'scheduler', `schedule/default/${name}`) };
    const outcome = !current ? 'created' : sameSchedule(current, desired) ? 'unchanged' : 'updated';
    if (outcome === 'created') await scheduler.send(new CreateScheduleCommand(desired));
    if (outcome === 'updated') await scheduler.send(new UpdateScheduleCommand(desired));
    const progress = context.run.functions.get(functionRef(desired.Target?.Arn ?? '').name);
    if (progress) progress.result.schedule = outcome;
    return { physicalId: name, attributes, outcome, detail: desired.ScheduleExpression };
  },
  async remove(name) {
    try {
      await getSchedulerClient().send(new DeleteScheduleCommand({ Name: name }));
    } catch (error) {
      if (!(error instanceof ScheduleNotFound)) throw error;
    }
  },
};
