// collectMessages against the local SQS: what a test reading a dead-letter queue relies on.
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { getSqsClient, resetAwsClients } from '@bmx/aws-clients';
import { randomUUID } from 'node:crypto';
import { collectMessages } from '../../src';
import { scratchQueue } from '../support/fixtures';

beforeAll(() => resetAwsClients());
afterAll(() => resetAwsClients());

const send = (url: string, body: string) => getSqsClient().send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));

describe('collectMessages', () => {
  it('returns each wanted body with its receive count, passing over the others, and counts a redelivery', async () => {
    const tag = randomUUID().slice(0, 8);
    // A one-second visibility timeout, so a received message comes back within the test.
    const queue = await scratchQueue(`collect-${tag}`, { VisibilityTimeout: '1' });
    const [a, b, other] = [`a ${tag}`, `b ${tag}`, `other ${tag}`];
    for (const body of [other, a, b]) await send(queue.url, body);

    const first = await collectMessages(queue.url, [a, b]);
    expect([...first.entries()].sort()).toEqual([
      [a, 1],
      [b, 1],
    ]);
    // Nothing was deleted: once its visibility timeout is over, a is received again, a second time.
    const again = await collectMessages(queue.url, [a]);
    expect(again.get(a)).toBe(2);
    expect([...again.keys()]).toEqual([a]);
  });

  it('gives up after its timeout, saying how many of the wanted bodies arrived', async () => {
    const tag = randomUUID().slice(0, 8);
    const queue = await scratchQueue(`collect-none-${tag}`);
    await send(queue.url, `here ${tag}`);
    await expect(collectMessages(queue.url, [`here ${tag}`, `never sent ${tag}`], { timeoutMs: 1_500 })).rejects.toThrow(
      /timed out after 1500 ms waiting for 2 wanted messages in .*collect-none-.* \(1 arrived\)$/,
    );
  });
});
