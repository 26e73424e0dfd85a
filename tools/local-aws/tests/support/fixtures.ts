// What the emulator's own tests create through the SDK: a one-file deployment package and scratch queues. (Deploy
// packages and queues with dead-letter queues are tools/deploy's; this project cannot depend on it.)
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { getSqsClient } from '@bmx/aws-clients';
import AdmZip from 'adm-zip';

/** A deployment package whose only file is `index.js` with `source`. */
export function indexJsZip(source: string): Buffer {
  const zip = new AdmZip();
  zip.addFile('index.js', Buffer.from(source));
  return zip.toBuffer();
}

/** Creates a queue with the given SQS attributes and returns its URL and ARN. */
export async function scratchQueue(name: string, attributes: Record<string, string> = {}): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await getSqsClient().send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await getSqsClient().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl as string, arn: Attributes?.['QueueArn'] as string };
}
