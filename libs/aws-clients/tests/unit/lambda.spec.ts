import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { invokeJson, LambdaFunctionError, LambdaStatusError, resetAwsClients } from '../../src';

const lambda = mockClient(LambdaClient);
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

beforeEach(() => {
  lambda.reset();
  resetAwsClients();
});

describe('invokeJson', () => {
  it('sends JSON and parses the JSON answer', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: bytes({ ok: 1 }) as never });
    await expect(invokeJson('scraper', { url: 'u' })).resolves.toEqual({ ok: 1 });
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input.InvocationType).toBe('RequestResponse');
    expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual({ url: 'u' });
  });

  it('turns FunctionError into LambdaFunctionError with the error type', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: bytes({ errorType: 'TypeError', errorMessage: 'x is undefined' }) as never,
    });
    const error = await invokeJson('scraper', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaFunctionError);
    expect(error).toMatchObject({ functionError: 'Unhandled', errorType: 'TypeError', message: expect.stringContaining('x is undefined') });
  });

  it('turns an error statusCode in the payload into LambdaStatusError', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: bytes({ statusCode: 429, body: JSON.stringify({ error: 'rate limited', retry_after: 30 }) }) as never,
    });
    const error = await invokeJson('scraper', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaStatusError);
    expect(error).toMatchObject({ statusCode: 429, body: { error: 'rate limited', retry_after: 30 } });
  });

  it('returns nothing for an Event invocation', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await expect(invokeJson('scraper', {}, { invocationType: 'Event' })).resolves.toBeUndefined();
  });
});
