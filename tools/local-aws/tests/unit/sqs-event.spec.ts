import { sqsEventRecord } from '../../src';

const ARN = 'arn:aws:sqs:eu-west-2:000000000000:jobs';
const attributes = { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000', SenderId: 'AIDEXAMPLE', ApproximateFirstReceiveTimestamp: '1700000000100' };

describe('sqsEventRecord', () => {
  it("makes Lambda's record from a received message, attributes as SQS reported them", () => {
    const record = sqsEventRecord(
      {
        MessageId: 'm-1',
        ReceiptHandle: 'rh-1',
        Body: '{"job_id":"j"}',
        MD5OfBody: 'from-sqs',
        Attributes: attributes,
        MessageAttributes: {
          trace: { DataType: 'String', StringValue: 'abc' },
          blob: { DataType: 'Binary', BinaryValue: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]) },
        },
      },
      ARN,
      'eu-west-2',
    );
    expect(record).toEqual({
      messageId: 'm-1',
      receiptHandle: 'rh-1',
      body: '{"job_id":"j"}',
      attributes,
      messageAttributes: {
        trace: { stringValue: 'abc', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: { stringValue: undefined, binaryValue: Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64'), stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
      md5OfBody: 'from-sqs',
      eventSource: 'aws:sqs',
      eventSourceARN: ARN,
      awsRegion: 'eu-west-2',
    });
  });

  it("computes the body's MD5 when the message does not carry it", () => {
    const record = sqsEventRecord({ MessageId: 'm', ReceiptHandle: 'r', Body: 'hello' }, ARN, 'eu-west-2');
    // RFC 1321's digest of "hello".
    expect(record.md5OfBody).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(record.messageAttributes).toEqual({});
  });

  it('refuses a message missing what a handler or the poller needs', () => {
    expect(() => sqsEventRecord({ ReceiptHandle: 'r', Body: 'x' }, ARN, 'eu-west-2')).toThrow('without a MessageId');
    expect(() => sqsEventRecord({ MessageId: 'm', Body: 'x' }, ARN, 'eu-west-2')).toThrow('SQS message m has no ReceiptHandle');
    expect(() => sqsEventRecord({ MessageId: 'm', ReceiptHandle: 'r', MessageAttributes: { a: { StringValue: 'v', DataType: '' } } }, ARN, 'eu-west-2')).toThrow(
      'message attribute a has no DataType',
    );
  });
});
