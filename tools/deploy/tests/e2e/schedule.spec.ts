// Schedules wired by deployApp through the EventBridge Scheduler API (the local Scheduler of the test stack): created
// on the first deploy, left alone when the config has not changed, updated when it has, deleted when it is gone, and
// run against the function's `live` alias. Then the real tracking dispatcher's hourly schedule, fired.
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { GetScheduleCommand, ResourceNotFoundException } from '@aws-sdk/client-scheduler';
import { getLambdaClient, getSchedulerClient, resetAwsClients } from '@bmx/aws-clients';
import { createTestDatabase, type TestDatabase } from '@bmx/db/testing';
import { fireSchedule as fire } from '@bmx/local-aws';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deployApp, LIVE_ALIAS, schedulerRoleArn, type FunctionDeployResult } from '../../src';
import { copySampleApp, setFirstFunctionField } from '../support/sample-app';

const repoRoot = path.resolve(__dirname, '../../../..');
let scratch: string;

beforeAll(() => {
  resetAwsClients();
  scratch = mkdtempSync(path.join(tmpdir(), 'bmx-schedule-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  resetAwsClients();
});

const getSchedule = (name: string) => getSchedulerClient().send(new GetScheduleCommand({ Name: name }));
const aliasArn = async (name: string) => (await getLambdaClient().send(new GetAliasCommand({ FunctionName: name, Name: LIVE_ALIAS }))).AliasArn;

describe('deployApp wires the schedule through EventBridge Scheduler', () => {
  const envName = `s${Date.now().toString(36)}`;
  const name = `sample-${envName}-worker`;
  let appDir: string;
  let outRoot: string;

  /** Rewrites the copied app's schedule (undefined removes it). */
  const setSchedule = (schedule: unknown) => setFirstFunctionField(appDir, 'schedule', schedule);
  const deploy = async (): Promise<FunctionDeployResult> => (await deployApp(appDir, { envName, outRoot }))[0]!;

  beforeAll(() => {
    appDir = copySampleApp(scratch);
    outRoot = path.join(scratch, 'dist');
    setSchedule({ expression: 'rate(1 hour)', input: { scheduled: true, from: 'lambda.deploy.json' } });
  });

  it('creates it on the first deploy, targeting the live alias with the input, as the local role', async () => {
    const result = await deploy();
    expect(result).toMatchObject({ name, created: true, version: '1', smokeTest: 'passed', schedule: 'created' });
    const schedule = await getSchedule(name);
    expect(schedule).toMatchObject({
      Name: name,
      GroupName: 'default',
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: await aliasArn(name), RoleArn: schedulerRoleArn(), Input: '{"scheduled":true,"from":"lambda.deploy.json"}' },
    });
    expect(schedule.Target!.Arn).toMatch(new RegExp(`:function:${name}:live$`));
  });

  it('leaves it alone on a second deploy of the same config', async () => {
    const before = await getSchedule(name);
    const result = await deploy();
    expect(result).toMatchObject({ unchanged: true, version: '1', schedule: 'unchanged' });
    expect((await getSchedule(name)).LastModificationDate).toEqual(before.LastModificationDate);
  });

  it('updates it when the expression changes, without redeploying the unchanged function', async () => {
    setSchedule({ expression: 'rate(15 minutes)', input: { scheduled: true, from: 'lambda.deploy.json' }, flexibleWindowMinutes: 5 });
    const result = await deploy();
    expect(result).toMatchObject({ unchanged: true, version: '1', schedule: 'updated' });
    expect(await getSchedule(name)).toMatchObject({ ScheduleExpression: 'rate(15 minutes)', FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 5 } });
  });

  it('runs the version live points at, with the configured input', async () => {
    expect(await fire(name)).toMatchObject({
      ExecutedVersion: '1',
      Payload: { ranBy: 'schedule', version: '1', event: { scheduled: true, from: 'lambda.deploy.json' } },
    });
    // A new version moves live, and the schedule follows it without being touched.
    const result = (await deployApp(appDir, { envName, outRoot, extraEnv: { FEATURE: 'on' } }))[0]!;
    expect(result).toMatchObject({ version: '2', smokeTest: 'passed', schedule: 'unchanged' });
    expect(await fire(name)).toMatchObject({ ExecutedVersion: '2', Payload: { version: '2' } });
  });

  it('deletes it when the config no longer has one', async () => {
    setSchedule(undefined);
    const result = await deployApp(appDir, { envName, outRoot, extraEnv: { FEATURE: 'on' } });
    expect(result[0]).toMatchObject({ unchanged: true, schedule: 'deleted' });
    await expect(getSchedule(name)).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe("the tracking dispatcher's hourly schedule", () => {
  const envName = `d${Date.now().toString(36)}`;
  const dispatcher = `bmx-${envName}-tracking-dispatcher`;
  let database: TestDatabase;
  const saved = { DATABASE_URL: process.env['DATABASE_URL'], TRACKING_CARRIERS: process.env['TRACKING_CARRIERS'] };

  beforeAll(async () => {
    database = await createTestDatabase('bmx_deploy_schedule');
    // The deploy passes DATABASE_URL to both Lambdas; the worker needs no carrier here.
    process.env['DATABASE_URL'] = database.url;
    process.env['TRACKING_CARRIERS'] = 'none';
  });
  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await database.drop();
  });

  it('is created by the deploy and, fired, runs the live dispatcher, which dispatches the tracked books', async () => {
    const results = await deployApp(path.join(repoRoot, 'apps/tracking-dispatcher'), { envName, outRoot: path.join(scratch, 'dispatcher') });
    expect(results.find((r) => r.name === dispatcher)).toMatchObject({ version: '1', smokeTest: 'passed', schedule: 'created' });
    expect(results.find((r) => r.name === `bmx-${envName}-tracking-worker`)).toMatchObject({ schedule: 'none' });
    expect(await getSchedule(dispatcher)).toMatchObject({ ScheduleExpression: 'rate(1 hour)', Target: { Arn: await aliasArn(dispatcher) } });

    await database.db
      .insertInto('books')
      .values([
        { title: 'tracked', tracking_active: true, tracking_number: '1Z999AA10123456784' },
        { title: 'also tracked', tracking_active: true, tracking_number: '9400111899223197428490' },
        { title: 'arrived', tracking_active: false, tracking_number: '1Z999AA10123456785' },
      ])
      .execute();
    expect(await fire(dispatcher)).toMatchObject({ ExecutedVersion: '1', Payload: { dispatched: 2, failed: 0 } });
  });
});
