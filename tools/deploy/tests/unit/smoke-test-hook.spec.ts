// The smoke-test hook invokes exactly the version under test with the smoke event, and fails on what the version
// answers (a function error, an HTTP 5xx) with the function's own message. The SDK is stubbed; the CloudFormation
// side of the protocol is lambda-kit's withCustomResource (tested there against a real listener).
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { resetAwsClients } from '@bmx/aws-clients';
import { mockClient } from 'aws-sdk-client-mock';
import { smokeTestVersion } from '../../src/hooks/smoke-test-hook';

const lambda = mockClient(LambdaClient);
const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;
const properties = { FunctionName: 'bmx-test-api', Qualifier: '7', EventJson: JSON.stringify({ rawPath: '/health/live' }), ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:bmx-test-api-smoke-test' };

beforeEach(() => {
  lambda.reset();
  resetAwsClients();
});

describe('smokeTestVersion', () => {
  it('invokes the new version with the smoke event and answers its version', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ statusCode: 200, body: '{"status":"ok"}' }) });
    await expect(smokeTestVersion(properties)).resolves.toEqual({ Version: '7' });
    const [call] = lambda.commandCalls(InvokeCommand);
    expect(call!.args[0].input).toMatchObject({ FunctionName: 'bmx-test-api', Qualifier: '7', InvocationType: 'RequestResponse' });
    expect(JSON.parse(new TextDecoder().decode(call!.args[0].input.Payload as Uint8Array))).toEqual({ rawPath: '/health/live' });
  });

  it('fails with the function\'s own message when the version throws', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload({ errorMessage: 'database refused the login' }) });
    await expect(smokeTestVersion(properties)).rejects.toThrow(/smoke test of bmx-test-api version 7 failed: .*database refused the login/);
  });

  it('fails when the version answers an HTTP error', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ statusCode: 503, body: 'database unavailable' }) });
    await expect(smokeTestVersion(properties)).rejects.toThrow(/smoke test of bmx-test-api version 7 failed/);
  });

  it('names a missing or malformed property', async () => {
    await expect(smokeTestVersion({ ...properties, Qualifier: '' })).rejects.toThrow('Custom::SmokeTest property Qualifier is required (a string)');
    await expect(smokeTestVersion({ ...properties, EventJson: '{' })).rejects.toThrow('Custom::SmokeTest property EventJson is not JSON');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});
