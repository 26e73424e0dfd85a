import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { resetAwsClients } from '@bmx/aws-clients';
import { mockClient } from 'aws-sdk-client-mock';
import { queueDepth } from '../../src';

const sqs = mockClient(SQSClient);
const URL = 'http://127.0.0.1:1/000000000000/q';

beforeEach(() => {
  sqs.reset();
  resetAwsClients();
});
afterAll(() => sqs.restore());

describe('queueDepth', () => {
  it('asks for both counts and adds them', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '4', ApproximateNumberOfMessagesNotVisible: '3' } });
    await expect(queueDepth(URL)).resolves.toBe(7);
    expect(sqs.commandCalls(GetQueueAttributesCommand)[0]!.args[0].input).toEqual({
      QueueUrl: URL,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    });
  });

  it('refuses an answer missing a count or with a count that is not one, rather than calling the queue empty', async () => {
    sqs
      .on(GetQueueAttributesCommand)
      .resolvesOnce({ Attributes: { ApproximateNumberOfMessages: '0' } })
      .resolvesOnce({ Attributes: { ApproximateNumberOfMessages: '', ApproximateNumberOfMessagesNotVisible: '0' } });
    await expect(queueDepth(URL)).rejects.toThrow(`${URL} reported ApproximateNumberOfMessagesNotVisible as undefined, not a count`);
    await expect(queueDepth(URL)).rejects.toThrow(`${URL} reported ApproximateNumberOfMessages as "", not a count`);
  });
});
