import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { checkFunction, overallStatus, SharedHealthCheck, type CheckResult, type DeepHealth } from '../../src/services/health';

describe('Lambda health mapping', () => {
  const lambda = mockClient(LambdaClient);
  afterEach(() => lambda.reset());
  afterAll(() => lambda.restore());
  const signal = new AbortController().signal;

  it.each([
    ['Active', 'healthy'],
    ['Failed', 'unhealthy'],
    ['Pending', 'degraded'],
    ['Inactive', 'degraded'],
  ] as const)('state %s is %s', async (State, expected) => {
    lambda.on(GetFunctionCommand).resolves({ Configuration: { State, StateReason: 'reason' } });
    expect((await checkFunction('fn', false, signal)).status).toBe(expected);
  });

  it('reports a missing function as unhealthy', async () => {
    lambda.on(GetFunctionCommand).rejects(Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' }));
    expect(await checkFunction('fn', false, signal)).toMatchObject({ status: 'unhealthy', detail: 'function fn not found' });
  });

  it('skips AccessDenied outside production, and fails it in production', async () => {
    lambda.on(GetFunctionCommand).rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));
    expect((await checkFunction('fn', false, signal)).status).toBe('skipped');
    await expect(checkFunction('fn', true, signal)).rejects.toThrow('not allowed');
  });
});

describe('overall status', () => {
  const check = (status: CheckResult['status']): CheckResult => ({ name: status, status, latency_ms: 1 });
  it('is the worst of the checks, ignoring skipped ones', () => {
    expect(overallStatus([check('healthy'), check('skipped')])).toBe('healthy');
    expect(overallStatus([check('healthy'), check('degraded')])).toBe('degraded');
    expect(overallStatus([check('degraded'), check('unhealthy'), check('healthy')])).toBe('unhealthy');
  });
});

describe('a shared deep check', () => {
  const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
  beforeEach(() => jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  /** A deep check that takes `ms` and answers `status`, counting its runs. */
  function fakeCheck(status: () => DeepHealth['status'], ms = 30) {
    const runs = { count: 0 };
    const check = async (): Promise<DeepHealth> => {
      runs.count++;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { status: status(), checked_at: new Date().toISOString(), latency_ms: ms, checks: [] };
    };
    return { runs, check };
  }

  it('lets concurrent callers share the check in flight', async () => {
    const { runs, check } = fakeCheck(() => 'healthy');
    const shared = new SharedHealthCheck(check, 2000);
    const answers = Promise.all(Array.from({ length: 50 }, () => shared.current()));
    await jest.advanceTimersByTimeAsync(30);
    const results = await answers;
    expect(runs.count).toBe(1);
    expect(new Set(results.map((r) => r.checked_at)).size).toBe(1);
    expect(results.every((r) => r.age_ms === 0 && r.status === 'healthy')).toBe(true);
  });

  it('reuses a result for the reuse window, saying how old it is, then checks again', async () => {
    const { runs, check } = fakeCheck(() => 'healthy');
    const shared = new SharedHealthCheck(check, 2000);
    const first = shared.current();
    await jest.advanceTimersByTimeAsync(30);
    const { checked_at } = await first;
    await jest.advanceTimersByTimeAsync(1999);
    expect(await shared.current()).toMatchObject({ checked_at, age_ms: 1999 });
    expect(runs.count).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    const again = shared.current();
    await jest.advanceTimersByTimeAsync(30);
    expect((await again).checked_at).not.toBe(checked_at);
    expect(runs.count).toBe(2);
  });

  it('keeps an unhealthy result for half as long as a healthy one', async () => {
    let status: DeepHealth['status'] = 'unhealthy';
    const { runs, check } = fakeCheck(() => status);
    const shared = new SharedHealthCheck(check, 2000);
    expect(shared.reuseFor({ status: 'unhealthy', checked_at: '', latency_ms: 0, checks: [] })).toBeLessThanOrEqual(
      shared.reuseFor({ status: 'healthy', checked_at: '', latency_ms: 0, checks: [] }),
    );
    const first = shared.current();
    await jest.advanceTimersByTimeAsync(30);
    expect((await first).status).toBe('unhealthy');
    await jest.advanceTimersByTimeAsync(999);
    expect((await shared.current()).status).toBe('unhealthy');
    expect(runs.count).toBe(1);
    status = 'healthy';
    await jest.advanceTimersByTimeAsync(1);
    const recovered = shared.current();
    await jest.advanceTimersByTimeAsync(30);
    expect((await recovered).status).toBe('healthy');
    expect(runs.count).toBe(2);
  });

  it('checks every time with no reuse, still one check for concurrent callers', async () => {
    const { runs, check } = fakeCheck(() => 'healthy');
    const shared = new SharedHealthCheck(check, 0);
    const together = Promise.all([shared.current(), shared.current()]);
    await jest.advanceTimersByTimeAsync(30);
    await together;
    const next = shared.current();
    await jest.advanceTimersByTimeAsync(30);
    await next;
    expect(runs.count).toBe(2);
  });

  it('does not keep a check that threw: the next caller checks again', async () => {
    let fail = true;
    const shared = new SharedHealthCheck(async () => {
      if (fail) throw new Error('boom');
      return { status: 'healthy', checked_at: new Date().toISOString(), latency_ms: 0, checks: [] };
    }, 2000);
    await expect(shared.current()).rejects.toThrow('boom');
    fail = false;
    await expect(shared.current()).resolves.toMatchObject({ status: 'healthy', age_ms: 0 });
  });
});
