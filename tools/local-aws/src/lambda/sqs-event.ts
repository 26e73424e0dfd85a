import type { Message } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { createHash } from 'node:crypto';

/**
 * One record of the `aws:sqs` event that Lambda's SQS event-source mapping invokes a function with, made from a
 * message as ReceiveMessage returns it (asked for every system and message attribute). The local poller builds
 * its events with it; so can anything that invokes a handler directly with what Lambda would send.
 * `MD5OfBody` is computed when the message lacks it. A message without an id or receipt handle (a handler's
 * batch-failure answer and the poller's delete depend on them), or with an attribute lacking its data type, is
 * refused.
 */
export function sqsEventRecord(message: Message, queueArn: string, region: string): SQSRecord {
  if (!message.MessageId) throw new Error('an SQS message without a MessageId cannot become an event record');
  if (!message.ReceiptHandle) throw new Error(`SQS message ${message.MessageId} has no ReceiptHandle`);
  const body = message.Body ?? '';
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (!value.DataType) throw new Error(`SQS message ${message.MessageId}: message attribute ${name} has no DataType`);
    messageAttributes[name] = {
      stringValue: value.StringValue,
      ...(value.BinaryValue ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      // Lambda always sends both lists, empty: SQS has never filled them.
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType,
    };
  }
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body,
    // Passed on as SQS reported them: what Lambda's poller sees is what the function gets.
    attributes: (message.Attributes ?? {}) as SQSRecordAttributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? createHash('md5').update(body, 'utf8').digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
