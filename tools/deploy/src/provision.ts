import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
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

/** Creates the bucket unless it exists. */
export async function ensureBucket(name: string): Promise<void> {
  const s3 = getS3Client();
  try {
    await s3.send(new HeadBucketCommand({ Bucket: name }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  }
}

async function createQueue(name: string, attributes: Record<string, string>) {
  const sqs = getSqsClient();
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = QueueUrl as string;
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { name, url, arn: Attributes?.['QueueArn'] as string };
}

/** Creates the queue (and its DLQ with a redrive policy) unless they exist; safe to run again. */
export async function ensureQueue(spec: QueueSpec): Promise<ProvisionedQueue> {
  const attributes: Record<string, string> = { VisibilityTimeout: String(spec.visibilityTimeoutSeconds ?? 30) };
  let dlq: ProvisionedQueue['dlq'];
  if (spec.maxReceiveCount !== undefined) {
    dlq = await createQueue(`${spec.name}-dlq`, {});
    attributes['RedrivePolicy'] = JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: spec.maxReceiveCount });
  }
  return { ...(await createQueue(spec.name, attributes)), ...(dlq ? { dlq } : {}) };
}
