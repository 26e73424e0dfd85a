import { GetQueueUrlCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ConfigError,
  getSqsClient,
  queueRefFromEnv,
  resetAwsClients,
  resetQueueUrlCache,
  resolveQueueUrl,
  sendJsonMessage,
  sendJsonMessages,
} from '../../src';

const sqs = mockClient(SQSClient);
const QUEUE = { url: 'http://127.0.0.1:1/000000000000/jobs' };

function entriesOf(call: number): { Id: string; MessageBody: string }[] {
  return sqs.commandCalls(SendMessageBatchCommand)[call]!.args[0].input.Entries as never;
}

beforeEach(() => {
  sqs.reset();
  resetAwsClients();
  resetQueueUrlCache();
});

describe('queueRefFromEnv', () => {
  it('prefers the URL, then the name, and names the variable when neither is set', () => {
    expect(queueRefFromEnv('JOBS', { JOBS_QUEUE_URL: 'http://q', JOBS_QUEUE_NAME: 'n' })).toEqual({ url: 'http://q' });
    expect(queueRefFromEnv('JOBS', { JOBS_QUEUE_NAME: 'n' })).toEqual({ name: 'n' });
    expect(() => queueRefFromEnv('JOBS', {})).toThrow(ConfigError);
    expect(() => queueRefFromEnv('JOBS', {})).toThrow(/JOBS_QUEUE_URL.*JOBS_QUEUE_NAME/);
  });
});

describe('resolveQueueUrl', () => {
  it('asks GetQueueUrl once per name and caches the answer', async () => {
    sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: 'http://resolved/jobs' });
    await expect(resolveQueueUrl({ name: 'jobs' })).resolves.toBe('http://resolved/jobs');
    await expect(resolveQueueUrl({ name: 'jobs' })).resolves.toBe('http://resolved/jobs');
    expect(sqs.commandCalls(GetQueueUrlCommand)).toHaveLength(1);
  });

  it('does not cache a failed lookup', async () => {
    sqs.on(GetQueueUrlCommand).rejectsOnce(new Error('down')).resolves({ QueueUrl: 'http://resolved/jobs' });
    await expect(resolveQueueUrl({ name: 'jobs' })).rejects.toThrow('down');
    await expect(resolveQueueUrl({ name: 'jobs' })).resolves.toBe('http://resolved/jobs');
  });
});

describe('sendJsonMessages', () => {
  it('sends at most 10 entries a call', async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `m${e.Id}` })),
      Failed: [],
    }));
    const bodies = Array.from({ length: 25 }, (_, i) => ({ book_id: i }));
    const result = await sendJsonMessages(QUEUE, bodies);
    expect(result).toEqual({ sent: 25, failed: [] });
    const sizes = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length);
    expect(sizes.sort()).toEqual([10, 10, 5]);
    const sentBodies = sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => e.MessageBody));
    expect(sentBodies.map((b) => JSON.parse(b!).book_id).sort((a, b) => a - b)).toEqual(bodies.map((b) => b.book_id));
  });

  it('reads Failed[] on a 200 and re-sends only those entries', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [0, 1, 3, 4].map((i) => ({ Id: String(i), MessageId: 'x', MD5OfMessageBody: '' })),
        Failed: [{ Id: '2', Code: 'InternalError', SenderFault: false, Message: 'try again' }],
      })
      .resolves({ Successful: [{ Id: '2', MessageId: 'y', MD5OfMessageBody: '' }], Failed: [] });
    const result = await sendJsonMessages(QUEUE, [0, 1, 2, 3, 4], { retryDelayMs: 1 });
    expect(result).toEqual({ sent: 5, failed: [] });
    expect(entriesOf(1)).toEqual([{ Id: '2', MessageBody: '2' }]);
  });

  it('never re-sends a sender fault and reports it by index', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: '' }],
      Failed: [{ Id: '1', Code: 'InvalidMessageContents', SenderFault: true, Message: 'bad' }],
    });
    const result = await sendJsonMessages(QUEUE, ['a', 'b'], { retryDelayMs: 1 });
    expect(result.sent).toBe(1);
    expect(result.failed).toEqual([{ index: 1, code: 'InvalidMessageContents', message: 'bad', senderFault: true }]);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it('gives up after the retries, reporting the entry', async () => {
    sqs.on(SendMessageBatchCommand).rejects(new Error('connection reset'));
    const result = await sendJsonMessages(QUEUE, ['a'], { retries: 2, retryDelayMs: 1 });
    expect(result.failed).toEqual([{ index: 0, code: 'Error', message: 'connection reset', senderFault: false }]);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });
});

describe('the profile option', () => {
  it('sends, and looks the queue up, with the client of the profile asked for', async () => {
    sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: 'http://resolved/jobs' });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm-2', MD5OfMessageBody: '' }], Failed: [] });
    await sendJsonMessage({ name: 'jobs' }, { n: 1 }, { profile: 'interactive' });
    await sendJsonMessages(QUEUE, [{ n: 2 }], { profile: 'interactive' });
    const interactive = getSqsClient('interactive');
    expect(interactive).not.toBe(getSqsClient());
    expect(sqs.commandCalls(GetQueueUrlCommand)[0]!.thisValue).toBe(interactive);
    expect(sqs.commandCalls(SendMessageCommand)[0]!.thisValue).toBe(interactive);
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]!.thisValue).toBe(interactive);
  });

  it('uses the default client when no profile is given', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    await sendJsonMessage(QUEUE, { n: 1 });
    expect(sqs.commandCalls(SendMessageCommand)[0]!.thisValue).toBe(getSqsClient());
  });
});
