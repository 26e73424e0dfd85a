// withCustomResource speaks CloudFormation's protocol: the handler's result or error is PUT to the ResponseURL (here a
// real loopback server, as the presigned S3 URL would be), Delete never runs the handler.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isCustomResourceEvent, withCustomResource, type CustomResourceEvent } from '../../src';

interface Received {
  method?: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

let url: string;
let received: Received[];
const server = createServer((request, reply) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    received.push({ method: request.method, headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
    reply.writeHead(request.url?.includes('refuse') ? 403 : 200).end();
  });
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
});
beforeEach(() => {
  received = [];
});
afterAll(() => server.close());

const request = (overrides: Partial<CustomResourceEvent> = {}): CustomResourceEvent => ({
  RequestType: 'Create',
  ResponseURL: url,
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/bmx-test-api/guid',
  RequestId: 'request-1',
  LogicalResourceId: 'HttpSmokeTest0123',
  ResourceType: 'Custom::SmokeTest',
  ResourceProperties: { FunctionName: 'bmx-test-api', Qualifier: '7' },
  ...overrides,
});

describe('isCustomResourceEvent', () => {
  it('accepts a CloudFormation request and nothing else', () => {
    expect(isCustomResourceEvent(request())).toBe(true);
    for (const other of [null, { smoke_test: true }, { ...request(), RequestType: 'Poke' }, { ...request(), ResponseURL: undefined }, { Records: [] }]) expect(isCustomResourceEvent(other)).toBe(false);
  });
});

describe('withCustomResource', () => {
  it('PUTs SUCCESS with the handler\'s data, with no content type (what the presigned URL was signed for)', async () => {
    const handler = jest.fn(async (properties: Record<string, unknown>) => ({ Version: String(properties['Qualifier']) }));
    await withCustomResource(handler)(request(), undefined);
    expect(handler).toHaveBeenCalledWith({ FunctionName: 'bmx-test-api', Qualifier: '7' }, expect.objectContaining({ RequestType: 'Create' }));
    expect(received).toHaveLength(1);
    expect(received[0]!.method).toBe('PUT');
    expect(received[0]!.headers['content-type'] ?? '').toBe('');
    expect(received[0]!.body).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'HttpSmokeTest0123-request-1',
      StackId: request().StackId,
      RequestId: 'request-1',
      LogicalResourceId: 'HttpSmokeTest0123',
      Data: { Version: '7' },
    });
  });

  it('PUTs FAILED with the error as the reason, so the stack stops before what depends on the resource', async () => {
    await withCustomResource(async () => {
      throw new Error('smoke test of bmx-test-api version 7 failed: database refused the login');
    })(request({ RequestType: 'Update', PhysicalResourceId: 'kept-id' }), undefined);
    expect(received[0]!.body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'kept-id', Reason: 'smoke test of bmx-test-api version 7 failed: database refused the login' });
  });

  it('answers Delete with SUCCESS without running the handler (a deploy step has nothing to undo)', async () => {
    const handler = jest.fn(async () => undefined);
    await withCustomResource(handler)(request({ RequestType: 'Delete', PhysicalResourceId: 'old-id' }), undefined);
    expect(handler).not.toHaveBeenCalled();
    expect(received[0]!.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'old-id' });
  });

  it('throws when the response URL refuses the answer (CloudFormation would otherwise wait in silence)', async () => {
    await expect(withCustomResource(async () => undefined)(request({ ResponseURL: `${url}/refuse` }), undefined)).rejects.toThrow("CloudFormation's response URL answered 403");
  });
});
