// Each local server reads bodies through the one size-limited reader (src/http.ts) but answers an oversized request
// in its own AWS protocol's error shape; checked on the wire, since that shape is what the SDKs parse.
import { getAwsEnvironment } from '@bmx/aws-clients';

const MiB = 1024 * 1024;

async function post(url: string, bytes: number, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers, body: Buffer.alloc(bytes, 0x20) });
  return { status: response.status, errorType: response.headers.get('x-amzn-errortype'), body: (await response.json()) as unknown };
}

describe('oversized requests to the local servers', () => {
  const endpoints = () => getAwsEnvironment().endpoints;

  it('Lambda: RequestTooLargeException (413) past 6 MiB for a synchronous Invoke and 1 MiB for an Event one', async () => {
    const invoke = `${endpoints().lambda}/2015-03-31/functions/no-such-function/invocations`;
    await expect(post(invoke, 6 * MiB + 1)).resolves.toEqual({
      status: 413,
      errorType: 'RequestTooLargeException',
      body: { Type: 'User', message: `Request must be smaller than ${6 * MiB} bytes` },
    });
    await expect(post(invoke, MiB + 1, { 'x-amz-invocation-type': 'Event' })).resolves.toMatchObject({ status: 413, errorType: 'RequestTooLargeException' });
  });

  it('Secrets Manager: InvalidRequestException (413) with __type past 256 KiB', async () => {
    const headers = { 'x-amz-target': 'secretsmanager.CreateSecret', 'content-type': 'application/x-amz-json-1.1' };
    await expect(post(`${endpoints().secretsmanager}/`, 256 * 1024 + 1, headers)).resolves.toEqual({
      status: 413,
      errorType: 'InvalidRequestException',
      body: { __type: 'InvalidRequestException', Message: `Request must be smaller than ${256 * 1024} bytes` },
    });
  });

  it('Scheduler: ValidationException (400) with a Message past 1 MiB', async () => {
    await expect(post(`${endpoints().scheduler}/schedules/too-large`, MiB + 1, { 'content-type': 'application/json' })).resolves.toEqual({
      status: 400,
      errorType: 'ValidationException',
      body: { Message: `Request must be smaller than ${MiB} bytes` },
    });
  });
});
