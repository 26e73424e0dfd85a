// The local scheduler's clock: rates on a time scale, one-time at() schedules, DISABLED, and the time-scale setting.
// A scheduler of its own on a fast scale, driven through the real SDK client, with a recording target.
import { CreateScheduleCommand, GetScheduleCommand, ResourceNotFoundException, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { ConfigError, getSchedulerClient, resetAwsClients } from '@bmx/aws-clients';
import { parseScheduleExpression, startSchedulerServer, waitFor, type SchedulerServer } from '../../src';
import { readSecondsPerMinute, wallTimeToEpochMs } from '../../src/scheduler/time';

const TARGET = 'arn:aws:lambda:us-east-1:000000000000:function:ticker:live';
const ROLE = 'arn:aws:iam::000000000000:role/bmx-scheduler';
const calls: { functionName: string; qualifier?: string; event: unknown }[] = [];
let server: SchedulerServer;
let savedEndpoint: string | undefined;

const define = (name: string, expression: string, extra: Record<string, unknown> = {}) => ({
  Name: name,
  ScheduleExpression: expression,
  FlexibleTimeWindow: { Mode: 'OFF' as const },
  Target: { Arn: TARGET, RoleArn: ROLE, Input: JSON.stringify({ schedule: name }) },
  ...extra,
});
const callsOf = (name: string) => calls.filter((c) => (c.event as { schedule: string }).schedule === name);

beforeAll(async () => {
  // One schedule minute lasts 50 ms: rate(1 minute) runs twenty times a second.
  server = await startSchedulerServer({
    region: 'us-east-1',
    secondsPerMinute: 0.05,
    invoke: async (functionName, event, qualifier) => {
      calls.push({ functionName, qualifier, event });
      return { ok: true, payload: null, logTail: '', executedVersion: '7' };
    },
  });
  savedEndpoint = process.env['AWS_ENDPOINT_URL_SCHEDULER'];
  process.env['AWS_ENDPOINT_URL_SCHEDULER'] = server.url;
  resetAwsClients();
});
afterAll(async () => {
  await server.close();
  if (savedEndpoint === undefined) delete process.env['AWS_ENDPOINT_URL_SCHEDULER'];
  else process.env['AWS_ENDPOINT_URL_SCHEDULER'] = savedEndpoint;
  resetAwsClients();
});

describe('local scheduler clock', () => {
  it('runs a rate schedule at once and then every period of scaled time, until it is disabled', async () => {
    await getSchedulerClient().send(new CreateScheduleCommand(define('every-minute', 'rate(1 minute)')));
    await waitFor('three runs', async () => callsOf('every-minute').length >= 3, { everyMs: 25 });
    expect(callsOf('every-minute')[0]).toEqual({ functionName: 'ticker', qualifier: 'live', event: { schedule: 'every-minute' } });

    await getSchedulerClient().send(new UpdateScheduleCommand(define('every-minute', 'rate(1 minute)', { State: 'DISABLED' })));
    const seen = callsOf('every-minute').length;
    // Ten periods pass with nothing run.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(callsOf('every-minute')).toHaveLength(seen);
  });

  it('runs a rate schedule from its start date, not before', async () => {
    const start = new Date(Date.now() + 60 * 60 * 1000);
    await getSchedulerClient().send(new CreateScheduleCommand(define('later', 'rate(1 minute)', { StartDate: start })));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(callsOf('later')).toEqual([]);
    expect((await getSchedulerClient().send(new GetScheduleCommand({ Name: 'later' }))).StartDate).toEqual(start);
  });

  it('runs an at() schedule once at its wall-clock time and deletes it when asked to', async () => {
    const at = new Date(Date.now() + 1500).toISOString().slice(0, 19);
    await getSchedulerClient().send(new CreateScheduleCommand(define('once', `at(${at})`, { ActionAfterCompletion: 'DELETE' })));
    await waitFor('the one-time run', async () => callsOf('once').length === 1, { everyMs: 25 });
    await expect(getSchedulerClient().send(new GetScheduleCommand({ Name: 'once' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('fires a schedule on request, whatever its state', async () => {
    await getSchedulerClient().send(new CreateScheduleCommand(define('manual', 'rate(30 days)', { State: 'DISABLED' })));
    await expect(server.fire('manual')).resolves.toEqual({
      ScheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/manual',
      TargetArn: TARGET,
      ExecutedVersion: '7',
      Payload: null,
    });
    expect(callsOf('manual')).toHaveLength(1);
  });
});

describe('schedule expressions and time', () => {
  it('parses rates in minutes, accepting singular and plural units', () => {
    expect(parseScheduleExpression('rate(1 minute)')).toEqual({ kind: 'rate', minutes: 1 });
    expect(parseScheduleExpression('rate(2 hours)')).toEqual({ kind: 'rate', minutes: 120 });
    expect(parseScheduleExpression('rate(1 day)')).toEqual({ kind: 'rate', minutes: 1440 });
    expect(parseScheduleExpression('cron(0 12 ? * MON-FRI *)')).toEqual({ kind: 'cron', fields: ['0', '12', '?', '*', 'MON-FRI', '*'] });
    expect(() => parseScheduleExpression('rate(-1 minutes)')).toThrow(/Invalid Schedule Expression/);
    expect(() => parseScheduleExpression('cron(0 12 * * * *)')).toThrow(/day-of-month and day-of-week/);
  });

  it('reads at() times in the schedule time zone', () => {
    expect(wallTimeToEpochMs('2030-01-15T12:00:00', 'UTC')).toBe(Date.UTC(2030, 0, 15, 12));
    expect(wallTimeToEpochMs('2030-01-15T12:00:00', 'America/New_York')).toBe(Date.UTC(2030, 0, 15, 17));
    expect(wallTimeToEpochMs('2030-07-15T12:00:00', 'Europe/London')).toBe(Date.UTC(2030, 6, 15, 11));
  });

  it('takes the time scale from LOCAL_SCHEDULER_SECONDS_PER_MINUTE, real time by default', () => {
    expect(readSecondsPerMinute({})).toBe(60);
    expect(readSecondsPerMinute({ LOCAL_SCHEDULER_SECONDS_PER_MINUTE: '0.5' })).toBe(0.5);
    expect(() => readSecondsPerMinute({ LOCAL_SCHEDULER_SECONDS_PER_MINUTE: 'fast' })).toThrow(ConfigError);
    expect(() => readSecondsPerMinute({ LOCAL_SCHEDULER_SECONDS_PER_MINUTE: '0' })).toThrow(/LOCAL_SCHEDULER_SECONDS_PER_MINUTE/);
  });
});
