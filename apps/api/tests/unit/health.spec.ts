import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { checkFunction, overallStatus, type CheckResult } from '../../src/services/health';

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
