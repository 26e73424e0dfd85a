import { isSmokeTestEvent, withSmokeTest } from '../../src';

describe('isSmokeTestEvent', () => {
  it('accepts only {"smoke_test": true}', () => {
    expect(isSmokeTestEvent({ smoke_test: true })).toBe(true);
    for (const other of [null, undefined, 'smoke_test', { smoke_test: 'true' }, { smoke_test: 1 }, { Records: [] }, [{ smoke_test: true }].at(1)]) {
      expect(isSmokeTestEvent(other)).toBe(false);
    }
  });
});

describe('withSmokeTest', () => {
  it('runs the check instead of the handler for the smoke test', async () => {
    const check = jest.fn(async () => undefined);
    const handler = jest.fn(async (event: { n: number }) => event.n * 2);
    const wrapped = withSmokeTest(check, handler);
    await expect(wrapped({ smoke_test: true }, undefined)).resolves.toEqual({ smoke_test: 'ok' });
    expect(check).toHaveBeenCalledTimes(1);
    expect(handler).not.toHaveBeenCalled();
  });

  it('fails the smoke test when the check fails, so a deploy rolls back', async () => {
    const wrapped = withSmokeTest(
      async () => {
        throw new Error('database refused the login');
      },
      async () => 'never',
    );
    await expect(wrapped({ smoke_test: true }, undefined)).rejects.toThrow('database refused the login');
  });

  it('hands every other event and its context to the handler without running the check', async () => {
    const check = jest.fn(async () => undefined);
    const wrapped = withSmokeTest(check, async (event: { n: number }, context: { id: string }) => `${context.id}:${event.n}`);
    await expect(wrapped({ n: 3 }, { id: 'req-1' })).resolves.toBe('req-1:3');
    expect(check).not.toHaveBeenCalled();
  });
});
