// The local Lambda server through the real SDK, as deploys and apps use it.
import {
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  GetFunctionCommand,
  InvokeCommand,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type Runtime,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { CreateBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { getLambdaClient, getS3Client, getSqsClient, invokeJson, LambdaFunctionError, resetAwsClients, sendJsonMessages } from '@bmx/aws-clients';
import { randomUUID } from 'node:crypto';
import { queueDepth, waitFor } from '../../src';
import { indexJsZip, scratchQueue } from '../support/fixtures';

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function deploy(name: string, code: string, extra: { Timeout?: number; Environment?: Record<string, string>; Runtime?: Runtime } = {}) {
  await getLambdaClient().send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: extra.Runtime ?? 'nodejs24.x',
      Role: 'arn:aws:iam::000000000000:role/local',
      Handler: 'index.handler',
      Timeout: extra.Timeout ?? 10,
      Environment: { Variables: extra.Environment ?? {} },
      Code: { ZipFile: indexJsZip(code) },
    }),
  );
}

beforeAll(() => resetAwsClients());
afterAll(() => resetAwsClients());

describe('functions', () => {
  it('creates, describes and invokes a function with its own environment', async () => {
    const name = unique('env');
    await deploy(name, `exports.handler = async (e, ctx) => ({ greeting: process.env.GREETING, name: ctx.functionName, got: e });`, {
      Environment: { GREETING: 'hello' },
    });
    const fn = await getLambdaClient().send(new GetFunctionCommand({ FunctionName: name }));
    expect(fn.Configuration).toMatchObject({ FunctionName: name, Handler: 'index.handler', State: 'Active', Runtime: 'nodejs24.x' });
    await expect(invokeJson(name, { n: 1 })).resolves.toEqual({ greeting: 'hello', name, got: { n: 1 } });
  });

  it('refuses a second CreateFunction and reports unknown functions as ResourceNotFound', async () => {
    const name = unique('dup');
    await deploy(name, 'exports.handler = async () => 1;');
    await expect(deploy(name, 'exports.handler = async () => 2;')).rejects.toBeInstanceOf(ResourceConflictException);
    await expect(getLambdaClient().send(new GetFunctionCommand({ FunctionName: unique('missing') }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('keeps the execution environment warm between invocations', async () => {
    const name = unique('warm');
    await deploy(name, 'let count = 0; exports.handler = async () => ({ count: ++count, pid: process.pid });');
    const first = await invokeJson<{ count: number; pid: number }>(name, {});
    const second = await invokeJson<{ count: number; pid: number }>(name, {});
    expect(second).toEqual({ count: first.count + 1, pid: first.pid });
  });

  it('reports a timeout and a crash as Unhandled function errors', async () => {
    const slow = unique('slow');
    await deploy(slow, 'exports.handler = () => new Promise(() => {});', { Timeout: 1 });
    await expect(invokeJson(slow, {})).rejects.toMatchObject({ errorType: 'Sandbox.Timedout' });
    const crash = unique('crash');
    await deploy(crash, 'exports.handler = async () => { process.exit(3); };');
    const error = await invokeJson(crash, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaFunctionError);
    expect(error).toMatchObject({ errorType: 'Runtime.ExitError' });
  });

  it('reports a missing handler file as an import error', async () => {
    const name = unique('nohandler');
    await getLambdaClient().send(
      new CreateFunctionCommand({
        FunctionName: name,
        Role: 'arn:aws:iam::000000000000:role/local',
        Runtime: 'nodejs24.x',
        Handler: 'main.handler',
        Code: { ZipFile: indexJsZip('exports.handler = async () => 1;') },
      }),
    );
    await expect(invokeJson(name, {})).rejects.toMatchObject({ errorType: 'Runtime.ImportModuleError' });
  });

  it('updates code, publishes versions and invokes through an alias', async () => {
    const name = unique('versions');
    const lambda = getLambdaClient();
    await deploy(name, 'exports.handler = async () => "v1";');
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
    await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: v1.Version }));
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: indexJsZip('exports.handler = async () => "v2";') }));
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 10 }, { FunctionName: name });
    await expect(invokeJson(name, {})).resolves.toBe('v2');
    await expect(invokeJson(name, {}, { qualifier: 'live' })).resolves.toBe('v1');
    const out = await lambda.send(new InvokeCommand({ FunctionName: name, Qualifier: v1.Version }));
    expect(out.ExecutedVersion).toBe(v1.Version);
  });
});

describe('runtimes', () => {
  const VERSION = 'exports.handler = async () => process.version;';

  it.each([
    ['nodejs22.x', 22],
    ['nodejs24.x', 24],
  ] as const)('runs a %s function on Node.js %i', async (runtime, major) => {
    const name = unique(`node${major}`);
    await deploy(name, VERSION, { Runtime: runtime });
    const version = await invokeJson<string>(name, {});
    expect(version).toMatch(new RegExp(`^v${major}\\.`));
    // Not the Node.js running the tests (this machine's 20), so the function really ran on its runtime's binary.
    expect(version).not.toBe(process.version);
  });

  it('moves a warm function to the new Node.js when its runtime changes', async () => {
    const name = unique('switch');
    await deploy(name, VERSION, { Runtime: 'nodejs22.x' });
    await expect(invokeJson<string>(name, {})).resolves.toMatch(/^v22\./);
    await getLambdaClient().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Runtime: 'nodejs24.x' }));
    await expect(invokeJson<string>(name, {})).resolves.toMatch(/^v24\./);
  });

  it('refuses a deprecated runtime as AWS does, naming the runtime to move to', async () => {
    const error = await deploy(unique('old'), VERSION, { Runtime: 'nodejs20.x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringMatching(/nodejs20\.x is no longer supported.*nodejs24\.x/),
    });
    const name = unique('old-update');
    await deploy(name, VERSION);
    await expect(getLambdaClient().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Runtime: 'nodejs18.x' }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
    // The refused update left the function as it was.
    await expect(invokeJson<string>(name, {})).resolves.toMatch(/^v24\./);
  });

  it('refuses an unknown runtime with the valid values, and a function without one', async () => {
    const error = await deploy(unique('unknown'), VERSION, { Runtime: 'nodejs99.x' as Runtime }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('[nodejs22.x, nodejs24.x]') });
    const missing = unique('noruntime');
    await expect(
      getLambdaClient().send(
        new CreateFunctionCommand({
          FunctionName: missing,
          Role: 'arn:aws:iam::000000000000:role/local',
          Handler: 'index.handler',
          Code: { ZipFile: indexJsZip(VERSION) },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('Runtime and Handler are mandatory') });
    await expect(getLambdaClient().send(new GetFunctionCommand({ FunctionName: missing }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('SQS event-source mapping', () => {
  it('deletes what succeeded, redelivers reported failures, and sends poison to the DLQ after maxReceiveCount', async () => {
    const dlq = await scratchQueue(unique('esm-dlq'));
    const queue = await scratchQueue(unique('esm'), { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }) });
    const name = unique('consumer');
    // Reports poison messages as item failures, succeeds for the rest.
    await deploy(
      name,
      `exports.handler = async (event) => ({
        batchItemFailures: event.Records.filter((r) => JSON.parse(r.body).poison).map((r) => ({ itemIdentifier: r.messageId })),
      });`,
    );
    const mapping = await getLambdaClient().send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: queue.arn,
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    );
    try {
      const bodies = [...Array.from({ length: 12 }, (_, n) => ({ n })), { poison: true }];
      expect(await sendJsonMessages({ url: queue.url }, bodies)).toEqual({ sent: 13, failed: [] });
      const dlqBody = await waitFor('the poison message in the DLQ', async () => {
        const out = await getSqsClient().send(new ReceiveMessageCommand({ QueueUrl: dlq.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        return out.Messages?.[0]?.Body;
      });
      expect(JSON.parse(dlqBody)).toEqual({ poison: true });
      await waitFor('the source queue to drain', async () => (await queueDepth(queue.url)) === 0);
    } finally {
      await getLambdaClient().send(new DeleteEventSourceMappingCommand({ UUID: mapping.UUID }));
    }
  });
});

describe('fault switches', () => {
  it('takes the S3/SQS endpoint away and brings it back on the same port with its data', async () => {
    const bucket = unique('fault');
    await getS3Client().send(new CreateBucketCommand({ Bucket: bucket }));
    const control = (name: string) => fetch(`${process.env['AWS_ENDPOINT_URL_LAMBDA']}/local/faults/${name}`, { method: 'POST' });
    try {
      expect((await control('s3-sqs-stop')).status).toBe(200);
      await expect(getS3Client('healthCheck').send(new ListBucketsCommand({}))).rejects.toThrow();
    } finally {
      expect((await control('s3-sqs-start')).status).toBe(200);
    }
    const after = await getS3Client().send(new ListBucketsCommand({}));
    expect((after.Buckets ?? []).map((b) => b.Name)).toContain(bucket);
    expect((await control('no-such-fault')).status).toBe(404);
  });
});
