import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { getSqsClient } from '@bmx/aws-clients';

const COUNTED = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] as const;

/**
 * How many messages `queueUrl` holds, waiting or in flight (received and not yet deleted): 0 once its consumers
 * are done with everything sent to it. Delayed messages are not counted. For tests waiting for a queue to drain,
 * usually through `waitFor`. A queue that does not report both counts is an error, never taken as empty.
 */
export async function queueDepth(queueUrl: string): Promise<number> {
  const out = await getSqsClient().send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...COUNTED] }));
  let depth = 0;
  for (const name of COUNTED) {
    const value = out.Attributes?.[name];
    if (value === undefined || !/^\d+$/.test(value)) throw new Error(`${queueUrl} reported ${name} as ${JSON.stringify(value)}, not a count`);
    depth += Number(value);
  }
  return depth;
}
