import { failedMessageIds } from '../../src/lambda/event-source';

const ids = ['a', 'b', 'c'];
const ok = (payload: unknown) => ({ ok: true as const, payload, logTail: '' });

describe('failedMessageIds', () => {
  it('fails the whole batch when the function failed', () => {
    const outcome = { ok: false as const, error: { errorType: 'Error', errorMessage: 'x' }, logTail: '' };
    expect([...failedMessageIds(outcome, ids, true)]).toEqual(ids);
  });

  it('fails only the reported items with ReportBatchItemFailures', () => {
    expect([...failedMessageIds(ok({ batchItemFailures: [{ itemIdentifier: 'b' }] }), ids, true)]).toEqual(['b']);
    expect([...failedMessageIds(ok({ batchItemFailures: [] }), ids, true)]).toEqual([]);
    expect([...failedMessageIds(ok(null), ids, true)]).toEqual([]);
  });

  it('ignores the answer without ReportBatchItemFailures', () => {
    expect([...failedMessageIds(ok({ batchItemFailures: [{ itemIdentifier: 'b' }] }), ids, false)]).toEqual([]);
  });

  it('fails the whole batch on an answer that names an unknown or empty id, as Lambda does', () => {
    expect([...failedMessageIds(ok({ batchItemFailures: [{ itemIdentifier: 'zzz' }] }), ids, true)]).toEqual(ids);
    expect([...failedMessageIds(ok({ batchItemFailures: [{ itemIdentifier: '' }] }), ids, true)]).toEqual(ids);
    expect([...failedMessageIds(ok({ batchItemFailures: 'b' }), ids, true)]).toEqual(ids);
  });
});
