import { captureOutput, CORRELATION_ID_ATTRIBUTE, correlationAttributes, correlationIdOf, createLogger, logWith, recordingLog, withLogger } from '../../src';

/** The JSON lines written while `work` ran (what it throws is ignored: the lines are the point). */
async function linesOf(work: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines = await captureOutput(() => work().catch(() => undefined));
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

const context = (requestId: string) => ({
  awsRequestId: requestId,
  functionName: 'bmx-test-fn',
  functionVersion: '7',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bmx-test-fn:live',
  memoryLimitInMB: '256',
});

describe('withLogger', () => {
  // Lambda sets it for on-demand environments; Powertools reports cold starts only then.
  beforeAll(() => (process.env['AWS_LAMBDA_INITIALIZATION_TYPE'] = 'on-demand'));
  afterAll(() => delete process.env['AWS_LAMBDA_INITIALIZATION_TYPE']);

  it('puts the request id, cold start, function name and version on every line of the invocation', async () => {
    const log = createLogger({ serviceName: 'kit-test', env: {} });
    const handler = withLogger(async (event: { n: number }) => {
      log.info('working', { n: event.n });
      return event.n + 1;
    }, { logger: log });

    let result: number | undefined;
    const first = await linesOf(async () => (result = await handler({ n: 1 }, context('req-a'))));
    const second = await linesOf(() => handler({ n: 2 }, context('req-b')));

    expect(result).toBe(2);
    expect(first).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'working', n: 1, service: 'kit-test', function_request_id: 'req-a', cold_start: true, function_name: 'bmx-test-fn', function_version: '7' }),
    ]);
    expect(first[0]?.['timestamp']).toEqual(expect.any(String));
    expect(second).toEqual([expect.objectContaining({ function_request_id: 'req-b', cold_start: false, n: 2 })]);
  });

  it('drops keys appended during an invocation when it ends', async () => {
    const log = createLogger({ serviceName: 'kit-test', env: {} });
    const handler = withLogger(async (event: { id?: string }) => {
      if (event.id) log.appendKeys({ correlation_id: event.id });
      log.info('line');
    }, { logger: log });
    const lines = [...(await linesOf(() => handler({ id: 'c-1' }, context('r1')))), ...(await linesOf(() => handler({}, context('r2'))))];
    expect(lines[0]).toMatchObject({ correlation_id: 'c-1' });
    expect(lines[1]).not.toHaveProperty('correlation_id');
  });

  it('logs and rethrows what the handler throws', async () => {
    const log = createLogger({ serviceName: 'kit-test', env: {} });
    const handler = withLogger(async () => {
      throw new TypeError('boom');
    }, { logger: log });
    let thrown: unknown;
    const lines = await linesOf(() => handler(undefined, context('r4')).catch((error: unknown) => (thrown = error)));
    expect(thrown).toEqual(new TypeError('boom'));
    expect(lines).toEqual([expect.objectContaining({ level: 'ERROR', message: 'invocation failed', function_request_id: 'r4', error: expect.objectContaining({ name: 'TypeError', message: 'boom' }) })]);
  });

  it('works without a Lambda context (a test calling the handler directly)', async () => {
    const log = createLogger({ serviceName: 'kit-test', env: {} });
    const lines = await linesOf(() => withLogger(async () => log.warn('no context'), { logger: log })(undefined, undefined));
    expect(lines).toEqual([expect.objectContaining({ level: 'WARN', message: 'no context' })]);
    expect(lines[0]).not.toHaveProperty('function_request_id');
  });
});

describe('createLogger', () => {
  it('takes the service from POWERTOOLS_SERVICE_NAME, else the function name, and the level from the environment', async () => {
    expect(await linesOf(async () => createLogger({ env: { POWERTOOLS_SERVICE_NAME: 'svc' } }).info('x'))).toEqual([expect.objectContaining({ service: 'svc' })]);
    expect(await linesOf(async () => createLogger({ env: { AWS_LAMBDA_FUNCTION_NAME: 'bmx-dev-fn' } }).info('x'))).toEqual([expect.objectContaining({ service: 'bmx-dev-fn' })]);
    const saved = process.env['POWERTOOLS_LOG_LEVEL'];
    process.env['POWERTOOLS_LOG_LEVEL'] = 'WARN';
    try {
      const quiet = createLogger({ serviceName: 's' });
      const lines = await linesOf(async () => {
        quiet.info('dropped');
        quiet.warn('kept');
      });
      expect(lines.map((line) => line['message'])).toEqual(['kept']);
    } finally {
      if (saved === undefined) delete process.env['POWERTOOLS_LOG_LEVEL'];
      else process.env['POWERTOOLS_LOG_LEVEL'] = saved;
    }
  });
});

describe('logWith and the correlation attribute', () => {
  it('adds the fields to every line, before the line\'s own', () => {
    const { log, lines } = recordingLog();
    const scoped = logWith(log, { correlation_id: 'c-9', messageId: 'm1' });
    scoped.info('one', { n: 1 });
    scoped.error('two');
    expect(lines).toEqual([
      { level: 'info', message: 'one', fields: { correlation_id: 'c-9', messageId: 'm1', n: 1 } },
      { level: 'error', message: 'two', fields: { correlation_id: 'c-9', messageId: 'm1' } },
    ]);
  });

  it('reads back from a record what the producer sent', () => {
    const sent = correlationAttributes('abc-1');
    expect(sent).toEqual({ [CORRELATION_ID_ATTRIBUTE]: 'abc-1' });
    expect(correlationIdOf({ messageAttributes: { [CORRELATION_ID_ATTRIBUTE]: { stringValue: 'abc-1' } } })).toBe('abc-1');
    expect(correlationIdOf({ messageAttributes: {} })).toBeUndefined();
    expect(correlationIdOf({})).toBeUndefined();
    expect(correlationAttributes(undefined)).toEqual({});
  });

  it('prints the scoped fields through Powertools', async () => {
    const log = createLogger({ serviceName: 'kit-test', env: {} });
    const lines = await linesOf(async () => logWith(log, { correlation_id: 'c-p' }).info('x', { a: 1 }));
    expect(lines).toEqual([expect.objectContaining({ message: 'x', correlation_id: 'c-p', a: 1 })]);
  });
});
