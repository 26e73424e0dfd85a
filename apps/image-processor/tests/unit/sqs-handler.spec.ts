import type { Database, Kysely } from '@bmx/db';
import type { Logger } from '../../src/logger';
import { createSqsHandler } from '../../src/sqs-handler';
import type { ImageStore } from '../../src/storage';

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const logger: Logger = {
    info: (message, fields) => lines.push({ level: 'info', message, fields }),
    warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
    error: (message, fields) => lines.push({ level: 'error', message, fields }),
  };
  return { logger, lines };
}

// Neither is touched on these paths: any use would throw and fail the test.
const untouchable = new Proxy({}, { get: () => { throw new Error('must not be used'); } });

function handlerWith(logger: Logger) {
  return createSqsHandler({
    db: untouchable as Kysely<Database>,
    store: untouchable as ImageStore,
    config: { visibilityTimeoutSeconds: 300, maxImageDimension: 4096, minSubjectPixels: 100 },
    log: logger,
  });
}

describe('createSqsHandler', () => {
  it('reports each malformed record with a logged reason, without throwing for the batch', async () => {
    const { logger, lines } = recordingLogger();
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
    const { logger, lines } = recordingLogger();
    await expect(handlerWith(logger)({ hello: 'world' })).resolves.toEqual({ batchItemFailures: [] });
    expect(lines[0]).toMatchObject({ level: 'error', message: 'event is not an SQS event; nothing to process' });
  });
});
