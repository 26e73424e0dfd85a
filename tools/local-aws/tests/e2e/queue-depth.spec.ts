// queueDepth against the local SQS: waiting and in-flight messages count, deleted ones do not.
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { getSqsClient, resetAwsClients } from '@bmx/aws-clients';
import { randomUUID } from 'node:crypto';
import { queueDepth } from '../../src';
import { scratchQueue } from '../support/fixtures';

beforeAll(() => resetAwsClients());
afterAll(() => resetAwsClients());

describe('queueDepth', () => {
  it('counts waiting and in-flight messages, and drops to 0 as they are deleted', async () => {
    const tag = randomUUID().slice(0, 8);
    // A long visibility timeout, so a received message stays in flight for the whole test.
    const queue = await scratchQueue(`depth-${tag}`, { VisibilityTimeout: '300' });
    expect(await queueDepth(queue.url)).toBe(0);
    for (const body of ['a', 'b', 'c']) await getSqsClient().send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
    expect(await queueDepth(queue.url)).toBe(3);

    const received = await getSqsClient().send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 2, WaitTimeSeconds: 1 }));
    const messages = received.Messages ?? [];
    expect(messages.length).toBeGreaterThan(0);
    // In flight, not gone.
    expect(await queueDepth(queue.url)).toBe(3);

    for (const message of messages) await getSqsClient().send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }));
    expect(await queueDepth(queue.url)).toBe(3 - messages.length);
  });

  it('passes the error for a queue that does not exist through', async () => {
    const queue = await scratchQueue(`depth-probe-${randomUUID().slice(0, 8)}`);
    const missing = queue.url.replace(/depth-probe-[^/]+$/, `depth-missing-${randomUUID().slice(0, 8)}`);
    await expect(queueDepth(missing)).rejects.toMatchObject({ name: expect.stringMatching(/QueueDoesNotExist|NonExistentQueue/) });
  });
});
