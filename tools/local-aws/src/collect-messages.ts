import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { getSqsClient } from '@bmx/aws-clients';
import { waitFor, type WaitForOptions } from './wait-for';

/**
 * Receives from `queueUrl` until every body in `wantedBodies` has arrived, and returns each one's
 * `ApproximateReceiveCount` (body → count, as last seen). Other messages are received and ignored; none is deleted,
 * so each stays in the queue and reappears after its visibility timeout. For tests that wait for messages to be
 * dead-lettered and check how often they were delivered first. Throws, naming how many arrived, after `timeoutMs`
 * (default 30 s).
 */
export async function collectMessages(queueUrl: string, wantedBodies: Iterable<string>, options: WaitForOptions = {}): Promise<Map<string, number>> {
  const wanted = new Set(wantedBodies);
  const arrived = new Map<string, number>();
  try {
    await waitFor(
      `${wanted.size} wanted messages in ${queueUrl}`,
      async () => {
        const out = await getSqsClient().send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
        );
        for (const message of out.Messages ?? []) {
          const body = message.Body ?? '';
          if (wanted.has(body)) arrived.set(body, Number(message.Attributes?.['ApproximateReceiveCount']));
        }
        return arrived.size === wanted.size;
      },
      options,
    );
  } catch (error) {
    if (arrived.size < wanted.size) throw new Error(`${(error as Error).message} (${arrived.size} arrived)`, { cause: error });
    throw error;
  }
  return arrived;
}
