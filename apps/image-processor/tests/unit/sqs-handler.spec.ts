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
});
