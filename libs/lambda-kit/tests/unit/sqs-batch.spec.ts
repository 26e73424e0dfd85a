import type { SQSRecord } from 'aws-lambda';
import { recordingLog, sqsBatch, sqsRecordsOf, type MessageParser } from '../../src';

/** A message contract for the tests: `{n}`, a positive whole number. */
const parse: MessageParser<{ n: number }> = (body) => {
  try {
    const n = (JSON.parse(body) as { n?: unknown }).n;
    return typeof n === 'number' && n > 0 ? { ok: true, message: { n } } : { ok: false, reason: 'n must be positive' };
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
};

const record = (messageId: string, body: unknown, correlationId?: string) =>
  ({ messageId, body, ...(correlationId ? { messageAttributes: { correlation_id: { stringValue: correlationId, dataType: 'String' } } } : {}) }) as unknown as SQSRecord;

describe('sqsBatch', () => {
  it('reports malformed, thrown and retry records in batch order, deletes the rest, and never throws for the batch', async () => {
    const { log, lines } = recordingLog();
    const malformed: string[] = [];
    const errors: string[] = [];
    const handled: number[] = [];
    const handler = sqsBatch<{ n: number }>(
      async ({ n }) => {
        handled.push(n);
        if (n === 2) throw new Error('database down');
        return n === 3 ? 'retry' : 'done';
      },
      { parse, log, onMalformed: (r, reason) => malformed.push(`${r.messageId}: ${reason}`), onError: (r) => errors.push(r.messageId) },
    );
    const result = await handler({
      Records: [record('a', '{"n":1}'), record('b', 'nope'), record('c', '{"n":2}'), record('d', '{"n":3}'), record('e', undefined), record('f', '{"n":4}')],
    });
    expect(result).toEqual({ batchItemFailures: ['b', 'c', 'd', 'e'].map((itemIdentifier) => ({ itemIdentifier })) });
    expect(handled).toEqual([1, 2, 3, 4]);
    expect(malformed).toEqual(['b: body is not JSON', 'e: body is not JSON']);
    expect(errors).toEqual(['c']);
    expect(lines).toEqual([
      { level: 'error', message: 'malformed message', fields: { messageId: 'b', reason: 'body is not JSON' } },
      { level: 'error', message: 'message failed; it will be retried', fields: { messageId: 'c', errorName: 'Error', errorMessage: 'database down' } },
      { level: 'error', message: 'malformed message', fields: { messageId: 'e', reason: 'body is not JSON' } },
    ]);
  });

  it('handles at most `concurrency` records at once, and reports failures in batch order whatever finished first', async () => {
    let inFlight = 0;
    let most = 0;
    const handler = sqsBatch<{ n: number }>(
      async ({ n }) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20 - n * 3));
        inFlight--;
        return n % 2 === 0 ? 'retry' : undefined;
      },
      { parse, concurrency: 3 },
    );
    const records = [1, 2, 3, 4, 5, 6].map((n) => record(`m${n}`, JSON.stringify({ n })));
    expect(await handler({ Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm4' }, { itemIdentifier: 'm6' }] });
    expect(most).toBe(3);
  });

  it("gives each record's lines its producer's correlation id, and only that record's", async () => {
    const { log, lines } = recordingLog();
    const handler = sqsBatch<{ n: number }>(async ({ n }, { log: recordLog }) => recordLog.info('handled', { n }), { parse, log });
    await handler({ Records: [record('a', 'nope', 'up-1'), record('b', '{"n":1}', 'up-2'), record('c', 'nope')] });
    expect(lines.map((line) => line.fields)).toEqual([
      { correlation_id: 'up-1', messageId: 'a', reason: 'body is not JSON' },
      { correlation_id: 'up-2', n: 1 },
      { messageId: 'c', reason: 'body is not JSON' },
    ]);
  });

  it('logs an event that is not from SQS and answers no failures', async () => {
    const { log, lines } = recordingLog();
    const handler = sqsBatch(async () => 'done', { parse, log });
    await expect(handler({ hello: 'world' })).resolves.toEqual({ batchItemFailures: [] });
    expect(lines).toEqual([{ level: 'error', message: 'event is not an SQS event; nothing to process', fields: { eventType: 'object' } }]);
    expect(sqsRecordsOf({ Records: [] })).toEqual([]);
    expect(sqsRecordsOf({ Records: 'x' })).toBeUndefined();
    expect(sqsRecordsOf(null)).toBeUndefined();
  });
});
