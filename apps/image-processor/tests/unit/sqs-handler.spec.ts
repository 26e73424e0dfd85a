import type { Database, Kysely } from '@bmx/db';
import { recordingLog, type Log } from '@bmx/lambda-kit';
import { createSqsHandler } from '../../src/sqs-handler';
import type { ImageStore } from '../../src/storage';

// Neither is touched on these paths: any use would throw and fail the test.
const untouchable = new Proxy({}, { get: () => { throw new Error('must not be used'); } });

function handlerWith(logger: Log) {
  return createSqsHandler({
    db: untouchable as Kysely<Database>,
    store: untouchable as ImageStore,
    config: { jobStaleAfterSeconds: 300, maxImageDimension: 4096, minSubjectPixels: 100 },
    log: logger,
  });
}

describe('createSqsHandler', () => {
  it('reports each malformed record with a logged reason, without throwing for the batch', async () => {
    const { log: logger, lines } = recordingLog();
    const result = await handlerWith(logger)({
      Records: [
        { messageId: 'a', body: 'nope' },
        { messageId: 'b', body: JSON.stringify({ job_id: 'x', book_id: 1, image_id: 2 }) },
      ],
    });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }] });
    expect(lines).toEqual([
      { level: 'error', message: 'malformed message', fields: { messageId: 'a', reason: 'body is not JSON' } },
      { level: 'error', message: 'malformed message', fields: { messageId: 'b', reason: 'job_id must be a UUID string' } },
    ]);
  });

  it('logs and returns no failures for an event that is not from SQS', async () => {
    const { log: logger, lines } = recordingLog();
    await expect(handlerWith(logger)({ hello: 'world' })).resolves.toEqual({ batchItemFailures: [] });
    expect(lines[0]).toMatchObject({ level: 'error', message: 'event is not an SQS event; nothing to process' });
  });
});

describe('createSqsHandler and the correlation id', () => {
  it('puts the message attribute correlation_id on every line about that record, and only that record', async () => {
    const { log, lines } = recordingLog();
    await handlerWith(log)({
      Records: [
        { messageId: 'a', body: 'nope', messageAttributes: { correlation_id: { stringValue: 'up-1', dataType: 'String' } } },
        { messageId: 'b', body: 'nope' },
      ],
    });
    expect(lines.map((line) => line.fields)).toEqual([
      { correlation_id: 'up-1', messageId: 'a', reason: 'body is not JSON' },
      { messageId: 'b', reason: 'body is not JSON' },
    ]);
  });
});
