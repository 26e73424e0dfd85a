import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import { getSqsClient, resolveQueueUrl, type QueueRef } from '@bmx/aws-clients';

/** SQS's longest visibility timeout: 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/** Seconds from `now` until `until`, rounded up, from 1 to {@link MAX_VISIBILITY_SECONDS}. */
export function visibilitySecondsUntil(until: Date, now: Date): number {
  const seconds = Math.ceil((until.getTime() - now.getTime()) / 1000);
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, seconds));
}

/** The queue a record came from: the name at the end of its `eventSourceARN`, else the configured queue. */
export function queueOfRecord(eventSourceARN: string | undefined, fallback: QueueRef | undefined): QueueRef | undefined {
  const name = eventSourceARN?.startsWith('arn:') ? eventSourceARN.split(':').pop() : undefined;
  if (name) return { name };
  return fallback;
}

/**
 * Hides a received message until `until` (capped at 12 h). Used while a carrier's circuit is open: the message is
 * reported as failed but does not come back (and spend one of its receives) until the carrier may be tried again.
 */
export async function deferMessage(queue: QueueRef, receiptHandle: string, until: Date, now: Date): Promise<number> {
  const seconds = visibilitySecondsUntil(until, now);
  await getSqsClient().send(
    new ChangeMessageVisibilityCommand({ QueueUrl: await resolveQueueUrl(queue), ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }),
  );
  return seconds;
}
