// The local provisioner against a real cloud assembly (a CDK app around the sample app, synthesized offline) and the
// local stack: what it makes, that a rerun changes nothing, what a change says, the template's Custom::SmokeTest
// (and deploy step) gating `live` with the smoke test run once per version, and what a template drops being removed.
import { GetAliasCommand, GetFunctionConfigurationCommand, ListEventSourceMappingsCommand, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { getLambdaClient, getS3Client, getSchedulerClient, getSecretsManagerClient, getSqsClient, resetAwsClients } from '@bmx/aws-clients';
import { fireSchedule } from '@bmx/local-aws';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleApp, provisionAssembly, TemplateError, versionsNotMadeLive, type StackProvisionResult } from '../../src';
import { synthSampleAssembly, type SampleStackOptions } from '../support/sample-assembly';

const fixturesDir = path.join(__dirname, '../fixtures');
const envName = `c${Date.now().toString(36)}`;
const name = `sample-${envName}-worker`;
let scratch: string;
let zipPath: string;
let smokeTestLog: string;
let run = 0;

/** Synthesizes the sample assembly with `options` into a fresh folder and provisions it. */
async function provision(options: Partial<SampleStackOptions> = {}, log?: (line: string) => void): Promise<StackProvisionResult[]> {
  const outdir = synthSampleAssembly(path.join(scratch, `cdk.out.${++run}`), { envName, zipPath, smokeTestLog, schedule: 'rate(1 hour)', ...options });
  return provisionAssembly(outdir, { envName, ...(log ? { log } : {}) });
}

/** The versions of the worker that answered a smoke test, one entry per smoke test, in order. */
const smokeTestedVersions = (): string[] => (existsSync(smokeTestLog) ? readFileSync(smokeTestLog, 'utf8').split('\n').filter(Boolean) : []);

const appStack = (results: StackProvisionResult[]) => results.find((r) => r.stackName === `sample-${envName}-sample-app`) as StackProvisionResult;
const outcomes = (result: StackProvisionResult) => Object.fromEntries(result.resources.map((r) => [r.logicalId.replace(/[0-9A-F]{8}([0-9a-f]{32})?$/, ''), r.outcome]));
const liveVersion = async () => (await getLambdaClient().send(new GetAliasCommand({ FunctionName: name, Name: 'live' }))).FunctionVersion;

beforeAll(async () => {
  resetAwsClients();
  scratch = mkdtempSync(path.join(tmpdir(), 'bmx-provision-'));
  smokeTestLog = path.join(scratch, 'smoke-tests.log');
  const [built] = await bundleApp(path.join(fixturesDir, 'sample-app'), { outRoot: path.join(scratch, 'dist') });
  zipPath = built?.zipPath as string;
}, 60_000);
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  resetAwsClients();
});

describe('provisionAssembly on the local stack', () => {
  it('makes the bucket, queues with redrive, secret, function, version, live alias, mapping and schedule of the templates', async () => {
    const results = await provision();
    expect(results.map((r) => r.stackName)).toEqual([`sample-${envName}-shared`, `sample-${envName}-sample-app`]);
    await getS3Client().send(new HeadBucketCommand({ Bucket: `sample-${envName}-images` }));

    const app = appStack(results);
    expect(app.functions).toEqual([expect.objectContaining({ name, created: true, unchanged: false, version: '1', smokeTest: 'passed', schedule: 'created' })]);
    expect(outcomes(app)).toMatchObject({ Worker: 'created', WorkerCurrentVersion: 'created', WorkerSmokeTestHook: 'created', Live: 'created', Jobs: 'created', JobsDlq: 'created', Token: 'created' });
    expect(app.resources.find((r) => r.type === 'Custom::SmokeTest')).toMatchObject({ outcome: 'created', detail: `${name}-smoke-test answered SUCCESS` });
    // IAM, logs and alarms were read and checked, not made.
    expect(app.resources.filter((r) => r.outcome === 'checked').map((r) => r.type)).toEqual(expect.arrayContaining(['AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::Logs::LogGroup', 'AWS::CloudWatch::Alarm']));

    const live = await getLambdaClient().send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: 'live' }));
    expect(live).toMatchObject({ Version: '1', Runtime: 'nodejs24.x', Handler: 'index.handler', MemorySize: 256, Timeout: 5 });
    const variables = live.Environment?.Variables ?? {};
    // Fn::ImportValue of the shared stack's export, and Ref of the secret (its ARN, never its value).
    expect(variables).toMatchObject({ GREETING: `hello from ${envName}`, IMAGES_BUCKET: `sample-${envName}-images` });
    const token = await getSecretsManagerClient().send(new GetSecretValueCommand({ SecretId: variables['TOKEN_SECRET_ARN'] }));
    expect(token.SecretString).toMatch(/^[A-Za-z0-9]{24}$/);

    const sqs = getSqsClient();
    const jobsUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: `sample-${envName}-jobs` }))).QueueUrl;
    const dlqUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: `sample-${envName}-jobs-dlq` }))).QueueUrl;
    const { Attributes: jobs } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: jobsUrl, AttributeNames: ['All'] }));
    const { Attributes: dlq } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['All'] }));
    expect(jobs?.['VisibilityTimeout']).toBe('30');
    expect(JSON.parse(jobs?.['RedrivePolicy'] ?? '{}')).toEqual({ deadLetterTargetArn: dlq?.['QueueArn'], maxReceiveCount: 2 });
    expect(dlq?.['MessageRetentionPeriod']).toBe(String(14 * 24 * 3600));

    const { EventSourceMappings: mappings = [] } = await getLambdaClient().send(new ListEventSourceMappingsCommand({ FunctionName: name }));
    expect(mappings).toEqual([expect.objectContaining({ EventSourceArn: jobs?.['QueueArn'], BatchSize: 5, FunctionResponseTypes: ['ReportBatchItemFailures'] })]);
    expect(mappings[0]?.FunctionArn).toMatch(/:function:.*:live$/);

    const schedule = await getSchedulerClient().send(new GetScheduleCommand({ Name: name }));
    expect(schedule).toMatchObject({ ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' });
    expect(schedule.Target?.Arn).toMatch(/:live$/);
    await expect(fireSchedule(name)).resolves.toMatchObject({ ExecutedVersion: '1' });
  });

  it('changes nothing on a rerun with nothing changed, and publishes no version', async () => {
    const app = appStack(await provision());
    expect(app.functions).toEqual([expect.objectContaining({ name, unchanged: true, version: '1', schedule: 'unchanged' })]);
    expect(app.resources.filter((r) => !['unchanged', 'checked'].includes(r.outcome))).toEqual([]);
    const versions = await getLambdaClient().send(new ListVersionsByFunctionCommand({ FunctionName: name }));
    expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1']);
  });

  it('says what changed (memory, names of changed variables), publishes a version and moves live after its smoke test', async () => {
    const app = appStack(await provision({ memorySize: 512, environment: { FEATURE: 'on' } }));
    expect(app.functions).toEqual([expect.objectContaining({ name, unchanged: false, version: '2', previousVersion: '1', smokeTest: 'passed', changed: ['memory', 'environment (FEATURE)'] })]);
    expect(await liveVersion()).toBe('2');
  });

  it('keeps live on the previous version when the new one fails its smoke test, and says so', async () => {
    const lines: string[] = [];
    const results = await provision({ memorySize: 512, environment: { FEATURE: 'on', SAMPLE_BROKEN: 'yes' } }, (line) => lines.push(line));
    const app = appStack(results);
    expect(app.functions).toEqual([expect.objectContaining({ name, version: '3', previousVersion: '2', smokeTest: 'failed', rolledBack: true, error: expect.stringContaining('this build is broken') })]);
    expect(await liveVersion()).toBe('2');
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${name}: version 3, smoke test failed \\(.*this build is broken\\), live stays on version 2$`)));
    expect(versionsNotMadeLive(results)).toEqual([expect.stringMatching(new RegExp(`^${name} \\(.*this build is broken\\)$`))]);
    // What waits for live (alias, mapping, schedule) was skipped, not removed: the schedule still runs what live runs.
    expect(outcomes(app)).toMatchObject({ Live: 'skipped', WorkerSchedule: 'skipped' });
    const { EventSourceMappings: mappings = [] } = await getLambdaClient().send(new ListEventSourceMappingsCommand({ FunctionName: name }));
    expect(mappings).toHaveLength(1);
    await expect(fireSchedule(name)).resolves.toMatchObject({ ExecutedVersion: '2' });
  });

  it('has run the smoke test exactly once per new version (1, 2, the broken 3), by the hook, and none on the rerun', () => {
    expect(smokeTestedVersions()).toEqual(['1', '2', '3']);
  });

  it('removes the schedule a template no longer has', async () => {
    const app = appStack(await provision({ memorySize: 512, environment: { FEATURE: 'on' }, schedule: undefined }));
    expect(app.functions).toEqual([expect.objectContaining({ name, schedule: 'deleted' })]);
    await expect(getSchedulerClient().send(new GetScheduleCommand({ Name: name }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('runs a deploy step before the smoke test and live, and moves live once it passed', async () => {
    const app = appStack(await provision({ memorySize: 512, environment: { FEATURE: 'on', RELEASE: 'with-step' }, schedule: undefined, deployStep: true }));
    const order = app.resources.map((r) => r.type).filter((type) => ['Custom::DeployStep', 'Custom::SmokeTest', 'AWS::Lambda::Alias'].includes(type));
    expect(order).toEqual(['Custom::DeployStep', 'Custom::SmokeTest', 'AWS::Lambda::Alias']);
    expect(app.functions).toEqual([expect.objectContaining({ name, version: '4', previousVersion: '2', smokeTest: 'passed', rolledBack: false })]);
    expect(await liveVersion()).toBe('4');
  });

  it('keeps live where it was when a deploy step fails, runs no smoke test, and says the version was not made live', async () => {
    const lines: string[] = [];
    const smokeTestsBefore = smokeTestedVersions();
    const results = await provision({ memorySize: 512, environment: { FEATURE: 'on', RELEASE: 'with-step', SAMPLE_DEPLOY_STEP_FAILS: 'yes' }, schedule: undefined, deployStep: true }, (line) => lines.push(line));
    const app = appStack(results);
    expect(app.resources.filter((r) => r.type.startsWith('Custom::')).map((r) => [r.type, r.outcome])).toEqual([
      ['Custom::DeployStep', 'failed'],
      ['Custom::SmokeTest', 'skipped'],
    ]);
    expect(app.functions).toEqual([expect.objectContaining({ name, version: '5', previousVersion: '4', smokeTest: 'not run', rolledBack: true, error: expect.stringContaining('the sample migration failed') })]);
    expect(await liveVersion()).toBe('4');
    expect(smokeTestedVersions()).toEqual(smokeTestsBefore);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${name}: version 5 not made live \\(WorkerDeployStep\\w+ failed \\(.*the sample migration failed.*\\)\\), live stays on version 4$`)));
    // What a local deploy fails on (cli.ts deploy exits 1, so Nx runs no deploy that depends on this one).
    expect(versionsNotMadeLive(results)).toEqual([expect.stringContaining('the sample migration failed')]);
  });

  it('refuses, before making anything, a template with a type it does not know or a condition', async () => {
    const outdir = synthSampleAssembly(path.join(scratch, 'cdk.out.edited'), { envName: `${envName}x`, zipPath });
    const file = path.join(outdir, 'SampleApp.template.json');
    const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, unknown>; Conditions?: unknown };
    template.Resources['Custom'] = { Type: 'Custom::Thing', Properties: { ServiceToken: 'x' } };
    template.Resources['Maybe'] = { Type: 'AWS::SQS::Queue', Condition: 'IsProd' };
    template.Conditions = { IsProd: { 'Fn::Equals': ['a', 'b'] } };
    writeFileSync(file, JSON.stringify(template));
    const failure = await provisionAssembly(outdir, { envName: `${envName}x`, stacks: ['SampleApp'] }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TemplateError);
    expect((failure as Error).message).toMatch(/Resources\.Custom is Custom::Thing, a type the local provisioner neither makes nor checks/);
    expect((failure as Error).message).toMatch(/Resources\.Maybe has Condition IsProd/);
    await expect(getLambdaClient().send(new GetFunctionConfigurationCommand({ FunctionName: `sample-${envName}x-worker` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('asks for the account the local stack models instead of assuming one', async () => {
    const account = process.env['AWS_ACCOUNT_ID'];
    const outdir = path.join(scratch, 'cdk.out.account');
    cpSync(path.join(scratch, `cdk.out.1`), outdir, { recursive: true });
    delete process.env['AWS_ACCOUNT_ID'];
    try {
      await expect(provisionAssembly(outdir, { envName })).rejects.toThrow(/^AWS_ACCOUNT_ID: must be the 12-digit account/);
    } finally {
      process.env['AWS_ACCOUNT_ID'] = account;
    }
  });
});
