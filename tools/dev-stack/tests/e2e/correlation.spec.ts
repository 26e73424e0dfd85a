// One upload followed by its correlation id: the API server process (its whole stdout captured) takes the caller's
// X-Correlation-Id, stores it with the job and sends it as the message's attribute; the image processor, deployed
// from its lambda.deploy.json exactly as `npm start` does, handles that very message and logs it on every line of
// the invocation (read back with Invoke's LogType=Tail). The same id in both logs is the whole point. The same tail
// holds the invocation's metrics as one CloudWatch embedded-metric-format line, parsed here.
import { InvokeCommand, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { getAwsRegion, getLambdaClient, getSqsClient, resetAwsClients, resolveQueueUrl } from '@bmx/aws-clients';
import { createTestDatabase, type TestDatabase } from '@bmx/db/testing';
import { databaseSecretFromUrl } from '@bmx/db';
import { deployForTest, type TestDeployment } from '@bmx/deploy/testing';
import { METRIC_NAMES, METRICS_NAMESPACE } from '@bmx/lambda-kit';
import { sqsEventRecord } from '@bmx/local-aws';
import { randomUUID } from 'node:crypto';
import { demoBookPhoto, startApiProcess, type ApiProcess } from '../../src';
import { stopApiAndCleanUp } from '../support/teardown';

const envName = `local-c${Date.now().toString(36)}`;
const bucket = `bmx-${envName}-images`;
const queueName = `bmx-${envName}-image-jobs`;
const processorName = `bmx-${envName}-image-processor`;

/** The JSON lines of a log, skipping anything else (a tail may start mid-line). */
const jsonLines = (text: string): Record<string, unknown>[] =>
  text.split('\n').flatMap((line) => {
    try {
      const parsed: unknown = JSON.parse(line);
      return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });

describe('following one upload by its correlation id, and its metrics', () => {
  let database: TestDatabase;
  let api: ApiProcess;
  let deployment: TestDeployment | undefined;
  const apiLog: string[] = [];

  beforeAll(async () => {
    resetAwsClients();
    database = await createTestDatabase('bmx_correlation');
    const shared = { BMX_ENV: envName, DATABASE_URL: database.url, IMAGES_BUCKET: bucket, IMAGE_JOBS_QUEUE_NAME: queueName };
    Object.assign(process.env, shared);
    deployment = await deployForTest({ app: 'image-processor', envName, secrets: { database: databaseSecretFromUrl(database.url) } });
    // The test hands the processor its message itself, so that it can read that invocation's log: the queue's
    // trigger is paused (before any message exists).
    const { EventSourceMappings: mappings = [] } = await getLambdaClient().send(new ListEventSourceMappingsCommand({ FunctionName: processorName }));
    expect(mappings).toHaveLength(1);
    await getLambdaClient().send(new UpdateEventSourceMappingCommand({ UUID: mappings[0]?.UUID, Enabled: false }));
    api = await startApiProcess({ ...process.env, ...shared, PORT: '0', API_SEED_DEMO_KEY_ROLE: 'admin' }, (line) => apiLog.push(line));
  });

  afterAll(async () => {
    await stopApiAndCleanUp(api, database, deployment);
  });

  it('finds the caller\'s id in the API\'s log, on the job, on the message and on every line of the processor', async () => {
    const correlationId = `upload-${randomUUID()}`;
    const call = (route: string, init: RequestInit = {}) => fetch(`${api.url}${route}`, { ...init, headers: { 'x-api-key': api.demoKey, ...(init.headers ?? {}) } });
    const created = await call('/api/v1/books', { method: 'POST', body: JSON.stringify({ title: 'Middlemarch' }), headers: { 'content-type': 'application/json' } });
    const book = (await created.json()) as { id: number };
    const form = new FormData();
    form.append('file', new Blob([await demoBookPhoto()], { type: 'image/jpeg' }), 'photo.jpg');
    const uploaded = await call(`/api/v1/books/${book.id}/images`, { method: 'POST', body: form, headers: { 'x-correlation-id': correlationId } });
    expect(uploaded.status).toBe(201);
    expect(uploaded.headers.get('x-correlation-id')).toBe(correlationId);
    const jobId = ((await uploaded.json()) as { processing_job: { job_id: string } }).processing_job.job_id;

    const job = await database.db.selectFrom('image_processing_jobs').select('correlation_id').where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(job.correlation_id).toBe(correlationId);

    // The message the API sent, as Lambda's poller would hand it over.
    const queueUrl = await resolveQueueUrl({ name: queueName });
    const { Messages: messages = [] } = await getSqsClient().send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 5, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
    );
    expect(messages).toHaveLength(1);
    const { Attributes: attributes } = await getSqsClient().send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    const event = { Records: [sqsEventRecord(messages[0]!, attributes?.['QueueArn'] as string, await getAwsRegion())] };
    const invoked = await getLambdaClient('longCall').send(
      new InvokeCommand({ FunctionName: `${processorName}:live`, Payload: Buffer.from(JSON.stringify(event)), LogType: 'Tail' }),
    );
    expect(JSON.parse(Buffer.from(invoked.Payload ?? []).toString())).toEqual({ batchItemFailures: [] });
    const done = await database.db.selectFrom('image_processing_jobs').select('status').where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(done.status).toBe('completed');

    const tail = jsonLines(Buffer.from(invoked.LogResult ?? '', 'base64').toString());
    const processorLines = tail.filter((line) => line['message']);
    expect(processorLines.map((line) => line['message'])).toEqual(expect.arrayContaining(['job completed', 'message settled']));
    for (const line of processorLines) {
      expect(line).toMatchObject({ correlation_id: correlationId, function_name: processorName, function_request_id: expect.any(String) });
    }

    const emf = tail.filter((line) => '_aws' in line) as { _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string; Unit: string }[] }[] }; [metric: string]: unknown }[];
    expect(emf).toHaveLength(1);
    expect(emf[0]?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Metrics: expect.arrayContaining([
        { Name: METRIC_NAMES.imageJobsCompleted, Unit: 'Count' },
        { Name: METRIC_NAMES.imageProcessingTime, Unit: 'Milliseconds' },
      ]),
    });
    expect(emf[0]?.[METRIC_NAMES.imageJobsCompleted]).toBe(1);
    expect(emf[0]?.[METRIC_NAMES.imageProcessingTime]).toBeGreaterThan(0);
    expect(emf[0]).not.toHaveProperty(METRIC_NAMES.imageJobsFailed);

    const apiLines = jsonLines(apiLog.join('\n')).filter((line) => line['correlation_id'] === correlationId);
    expect(apiLines).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'image job queued', job_id: jobId })]));
  });
});
