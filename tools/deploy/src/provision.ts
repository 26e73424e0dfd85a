import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, QueueDoesNotExist, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { getS3Client, getSqsClient } from '@bmx/aws-clients';

/** A queue to create, with its dead-letter queue. */
export interface QueueSpec {
  name: string;
  /** Seconds a received message stays hidden. Default 30. */
  visibilityTimeoutSeconds?: number;
  /** When set, a `<name>-dlq` queue receives messages after this many receives. */
  maxReceiveCount?: number;
}

/** A created queue: its URL and ARN, and its DLQ's when it has one. */
export interface ProvisionedQueue {
  name: string;
  url: string;
  arn: string;
  dlq?: { name: string; url: string; arn: string };
}

/** Creates the bucket unless it exists; says whether it made it. */
export async function ensureBucket(name: string): Promise<{ created: boolean }> {
  const s3 = getS3Client();
  try {
    await s3.send(new HeadBucketCommand({ Bucket: name }));
    return { created: false };
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    return { created: true };
  }
}

/** A queue made to match its attributes, and what that took. */
export interface MatchedQueue {
  url: string;
  arn: string;
  created: boolean;
  /** Names of the attributes that were set because they differed. */
  changed: string[];
}

/** Attributes SQS reports in another spelling than it takes (a redrive policy's count as a number or a string). */
function sameAttribute(name: string, current: string | undefined, desired: string): boolean {
  if (current === desired) return true;
  if (current === undefined) return false;
  if (name === 'RedrivePolicy' || name === 'RedriveAllowPolicy') {
    try {
      const [a, b] = [JSON.parse(current) as Record<string, unknown>, JSON.parse(desired) as Record<string, unknown>];
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      return [...keys].every((key) => String(a[key]) === String(b[key]));
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * Makes the queue have `attributes`: created with them when missing; otherwise the ones that differ are set with
 * SetQueueAttributes (CreateQueue with other attributes than an existing queue's is an error on AWS). `FifoQueue`
 * can only be given at creation.
 */
export async function ensureQueueAttributes(name: string, attributes: Record<string, string>): Promise<MatchedQueue> {
  const sqs = getSqsClient();
  let url: string | undefined;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (!(error instanceof QueueDoesNotExist) && (error as Error).name !== 'QueueDoesNotExist' && (error as Error).name !== 'AWS.SimpleQueueService.NonExistentQueue') throw error;
  }
  let created = false;
  const changed: string[] = [];
  if (!url) {
    url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl as string;
    created = true;
  } else {
    const { Attributes: current = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    const settable = Object.fromEntries(Object.entries(attributes).filter(([key]) => key !== 'FifoQueue'));
    const reported = current as Record<string, string>;
    for (const [key, value] of Object.entries(settable)) if (!sameAttribute(key, reported[key], value)) changed.push(key);
    if (changed.length > 0) await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: Object.fromEntries(changed.map((key) => [key, settable[key] as string])) }));
  }
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: Attributes?.['QueueArn'] as string, created, changed };
}

/** Creates the queue (and its DLQ with a redrive policy) unless they exist, and sets what differs; safe to run again. */
export async function ensureQueue(spec: QueueSpec): Promise<ProvisionedQueue> {
  const attributes: Record<string, string> = { VisibilityTimeout: String(spec.visibilityTimeoutSeconds ?? 30) };
  let dlq: ProvisionedQueue['dlq'];
  if (spec.maxReceiveCount !== undefined) {
    const name = `${spec.name}-dlq`;
    const { url, arn } = await ensureQueueAttributes(name, {});
    dlq = { name, url, arn };
    attributes['RedrivePolicy'] = JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: spec.maxReceiveCount });
  }
  const { url, arn } = await ensureQueueAttributes(spec.name, attributes);
  return { name: spec.name, url, arn, ...(dlq ? { dlq } : {}) };
}
