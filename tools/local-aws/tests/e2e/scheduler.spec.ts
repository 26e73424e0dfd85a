// The local EventBridge Scheduler through the real SDK client, as @bmx/aws-clients builds it, with Lambda targets
// on the local Lambda server of the same stack.
import { CreateAliasCommand, CreateFunctionCommand, PublishVersionCommand, UpdateAliasCommand, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  UpdateScheduleCommand,
  ValidationException,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { getAwsEnvironment, getLambdaClient, getSchedulerClient, resetAwsClients } from '@bmx/aws-clients';
import { randomUUID } from 'node:crypto';
import { fireSchedule as fire } from '../../src';
import { indexJsZip } from '../support/fixtures';

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const scheduler = () => getSchedulerClient();
const ROLE = 'arn:aws:iam::000000000000:role/bmx-scheduler';
const ECHO = (tag: string) => `exports.handler = async (event) => ({ tag: '${tag}', got: event });`;

async function deployWithAlias(name: string): Promise<string> {
  const lambda = getLambdaClient();
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs24.x',
      Role: 'arn:aws:iam::000000000000:role/local',
      Handler: 'index.handler',
      Code: { ZipFile: indexJsZip(ECHO('v1')) },
    }),
  );
  await lambda.send(new PublishVersionCommand({ FunctionName: name }));
  const alias = await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }));
  return alias.AliasArn as string;
}

function schedule(name: string, targetArn: string, overrides: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput {
  return {
    Name: name,
    ScheduleExpression: 'rate(1 hour)',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: targetArn, RoleArn: ROLE, Input: JSON.stringify({ source: 'aws.scheduler', n: 1 }) },
    ...overrides,
  };
}

beforeAll(() => resetAwsClients());
afterAll(() => resetAwsClients());

describe('local EventBridge Scheduler', () => {
  it('is what the clients use: the global setup exports its loopback endpoint', () => {
    expect(getAwsEnvironment().endpoints.scheduler).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('creates, reads, lists, updates and deletes a schedule in the default group', async () => {
    const fn = unique('sched-crud');
    const aliasArn = await deployWithAlias(fn);
    const name = unique('crud');
    const created = await scheduler().send(new CreateScheduleCommand(schedule(name, aliasArn, { Description: 'hourly' })));
    expect(created.ScheduleArn).toBe(`arn:aws:scheduler:us-east-1:000000000000:schedule/default/${name}`);

    const got = await scheduler().send(new GetScheduleCommand({ Name: name }));
    expect(got).toMatchObject({
      Arn: created.ScheduleArn,
      Name: name,
      GroupName: 'default',
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Description: 'hourly',
      ActionAfterCompletion: 'NONE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: aliasArn, RoleArn: ROLE, Input: '{"source":"aws.scheduler","n":1}' },
    });
    expect(got.CreationDate).toBeInstanceOf(Date);
    expect(Math.abs(got.CreationDate!.getTime() - Date.now())).toBeLessThan(60_000);

    const listed = await scheduler().send(new ListSchedulesCommand({ NamePrefix: name }));
    expect(listed.Schedules).toEqual([
      expect.objectContaining({ Name: name, GroupName: 'default', State: 'ENABLED', Arn: created.ScheduleArn, Target: { Arn: aliasArn } }),
    ]);

    // An update replaces the whole definition, as Scheduler's does.
    await scheduler().send(
      new UpdateScheduleCommand(
        schedule(name, aliasArn, { ScheduleExpression: 'rate(2 days)', State: 'DISABLED', FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 } }),
      ),
    );
    const updated = await scheduler().send(new GetScheduleCommand({ Name: name, GroupName: 'default' }));
    expect(updated).toMatchObject({ ScheduleExpression: 'rate(2 days)', State: 'DISABLED', FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 } });
    expect(updated.Description).toBeUndefined();
    expect(updated.CreationDate).toEqual(got.CreationDate);
    expect(updated.LastModificationDate!.getTime()).toBeGreaterThanOrEqual(got.LastModificationDate!.getTime());
    expect((await scheduler().send(new ListSchedulesCommand({ NamePrefix: name, State: 'ENABLED' }))).Schedules).toEqual([]);

    await scheduler().send(new DeleteScheduleCommand({ Name: name }));
    await expect(scheduler().send(new GetScheduleCommand({ Name: name }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('runs the target alias with the schedule input, following the alias to the version it points at', async () => {
    const fn = unique('sched-run');
    const aliasArn = await deployWithAlias(fn);
    const name = unique('run');
    await scheduler().send(new CreateScheduleCommand(schedule(name, aliasArn)));
    try {
      expect(await fire(name)).toEqual({
        ScheduleArn: `arn:aws:scheduler:us-east-1:000000000000:schedule/default/${name}`,
        TargetArn: aliasArn,
        ExecutedVersion: '1',
        Payload: { tag: 'v1', got: { source: 'aws.scheduler', n: 1 } },
      });
      const lambda = getLambdaClient();
      await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: fn, ZipFile: indexJsZip(ECHO('v2')) }));
      await lambda.send(new PublishVersionCommand({ FunctionName: fn }));
      await lambda.send(new UpdateAliasCommand({ FunctionName: fn, Name: 'live', FunctionVersion: '2' }));
      expect(await fire(name)).toMatchObject({ ExecutedVersion: '2', Payload: { tag: 'v2' } });
    } finally {
      await scheduler().send(new DeleteScheduleCommand({ Name: name }));
    }
  });

  it('answers a fire request for an unknown schedule with ResourceNotFoundException', async () => {
    await expect(fire(unique('nothing'))).rejects.toThrow(/404 ResourceNotFoundException/);
  });

  it('reports a target that does not exist when it runs, as Scheduler only finds out then', async () => {
    const name = unique('missing-target');
    const arn = `arn:aws:lambda:us-east-1:000000000000:function:${unique('nobody')}:live`;
    await scheduler().send(new CreateScheduleCommand(schedule(name, arn)));
    try {
      expect(await fire(name)).toMatchObject({ TargetArn: arn, FunctionError: 'ResourceNotFoundException' });
    } finally {
      await scheduler().send(new DeleteScheduleCommand({ Name: name }));
    }
  });

  it('answers with the errors Scheduler names', async () => {
    const fn = `arn:aws:lambda:us-east-1:000000000000:function:${unique('any')}`;
    const name = unique('errors');
    await scheduler().send(new CreateScheduleCommand(schedule(name, fn)));
    try {
      await expect(scheduler().send(new CreateScheduleCommand(schedule(name, fn)))).rejects.toBeInstanceOf(ConflictException);
      const missing = unique('missing');
      await expect(scheduler().send(new GetScheduleCommand({ Name: missing }))).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(scheduler().send(new UpdateScheduleCommand(schedule(missing, fn)))).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(scheduler().send(new DeleteScheduleCommand({ Name: missing }))).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(scheduler().send(new CreateScheduleCommand(schedule(unique('grp'), fn, { GroupName: 'nope' })))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );

      const invalid: [string, Partial<CreateScheduleCommandInput>, RegExp][] = [
        ['a rate under a minute', { ScheduleExpression: 'rate(30 seconds)' }, /unit must be minute/],
        ['a zero rate', { ScheduleExpression: 'rate(0 minutes)' }, /positive integer/],
        ['a fractional rate', { ScheduleExpression: 'rate(1.5 hours)' }, /rate\(value unit\)/],
        ['no expression type', { ScheduleExpression: 'every hour' }, /rate\(value unit\), cron\(fields\) or at/],
        ['a cron expression (valid, but not run locally)', { ScheduleExpression: 'cron(0 12 * * ? *)' }, /cron\(\) schedules are not supported/],
        ['a malformed cron expression', { ScheduleExpression: 'cron(0 12 * *)' }, /six fields/],
        ['an impossible at() date', { ScheduleExpression: 'at(2030-02-30T10:00:00)' }, /not a real date/],
        ['no flexible time window', { FlexibleTimeWindow: undefined }, /FlexibleTimeWindow is required/],
        ['a flexible window without its size', { FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }, /MaximumWindowInMinutes/],
        ['an unknown state', { State: 'PAUSED' as never }, /State must be one of ENABLED, DISABLED/],
        ['a target that is not a Lambda function', { Target: { Arn: 'arn:aws:sqs:us-east-1:000000000000:q', RoleArn: ROLE } }, /Lambda function targets only/],
        ['a role that is not a role ARN', { Target: { Arn: fn, RoleArn: 'admin' } }, /RoleArn is not an IAM role ARN/],
        ['an unknown time zone', { ScheduleExpressionTimezone: 'Mars/Olympus' }, /Invalid ScheduleExpressionTimezone/],
      ];
      for (const [what, overrides, message] of invalid) {
        const error = await scheduler()
          .send(new CreateScheduleCommand(schedule(unique('bad'), fn, overrides)))
          .then(() => undefined, (e: unknown) => e);
        expect({ what, error }).toEqual({ what, error: expect.any(ValidationException) });
        expect({ what, message: (error as Error).message }).toEqual({ what, message: expect.stringMatching(message) });
      }
      // A bad name is a validation error, not a new schedule.
      await expect(scheduler().send(new CreateScheduleCommand(schedule('no spaces allowed', fn)))).rejects.toBeInstanceOf(ValidationException);
    } finally {
      await scheduler().send(new DeleteScheduleCommand({ Name: name }));
    }
  });

  it('pages ListSchedules with MaxResults and NextToken', async () => {
    const fn = `arn:aws:lambda:us-east-1:000000000000:function:${unique('any')}`;
    const prefix = unique('page');
    const names = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
    for (const name of names) await scheduler().send(new CreateScheduleCommand(schedule(name, fn, { State: 'DISABLED' })));
    try {
      const first = await scheduler().send(new ListSchedulesCommand({ NamePrefix: prefix, MaxResults: 2 }));
      expect(first.NextToken).toEqual(expect.any(String));
      const second = await scheduler().send(new ListSchedulesCommand({ NamePrefix: prefix, MaxResults: 2, NextToken: first.NextToken }));
      expect(second.NextToken).toBeUndefined();
      expect([...first.Schedules!, ...second.Schedules!].map((s) => s.Name)).toEqual(names);
    } finally {
      for (const name of names) await scheduler().send(new DeleteScheduleCommand({ Name: name }));
    }
  });
});
