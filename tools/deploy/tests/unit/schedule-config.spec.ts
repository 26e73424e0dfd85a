// A function's `schedule` in lambda.deploy.json, and the role schedules run as.
import { ConfigError } from '@bmx/aws-clients';
import { schedulerRoleArn } from '../../src';
import { sampleConfigWith } from '../support/sample-app';

describe('schedule in lambda.deploy.json', () => {
  const withSchedule = (schedule: unknown) => sampleConfigWith('schedule', schedule);

  it('keeps a valid schedule, with {env} substituted in its input', () => {
    const load = withSchedule({ expression: 'rate(1 hour)', input: { env: '{env}' }, timezone: 'Europe/London', flexibleWindowMinutes: 10, enabled: false });
    expect(load().functions[0]!.schedule).toEqual({
      expression: 'rate(1 hour)',
      input: { env: 'test' },
      timezone: 'Europe/London',
      flexibleWindowMinutes: 10,
      enabled: false,
    });
    expect(withSchedule({ expression: 'cron(0 6 ? * MON-FRI *)' })().functions[0]!.schedule).toEqual({ expression: 'cron(0 6 ? * MON-FRI *)' });
  });

  it.each([
    [{ rateSeconds: 3600 }, /functions\[0\]\.schedule has unknown field rateSeconds; expected expression, input, timezone, flexibleWindowMinutes, enabled/],
    [{ input: {} }, /functions\[0\]\.schedule\.expression: is required — `rate\(…\)`/],
    [{ expression: 'rate(30 seconds)' }, /functions\[0\]\.schedule\.expression: Invalid Schedule Expression rate\(30 seconds\)/],
    [{ expression: 'rate(0 hours)' }, /positive integer/],
    [{ expression: 'hourly' }, /schedule\.expression: Invalid Schedule Expression hourly/],
    [{ expression: 'rate(1 hour)', flexibleWindowMinutes: 0 }, /functions\[0\]\.schedule\.flexibleWindowMinutes: Expected integer to be greater or equal to 1 \(got 0\)/],
    [{ expression: 'rate(1 hour)', enabled: 'yes' }, /functions\[0\]\.schedule\.enabled: Expected boolean \(got "yes"\)/],
    ['rate(1 hour)', /functions\[0\]\.schedule: Expected object \(got "rate\(1 hour\)"\)/],
  ])('refuses %j with a clear error', (schedule, message) => {
    expect(withSchedule(schedule)).toThrow(message);
  });
});

describe('schedulerRoleArn', () => {
  const role = 'arn:aws:iam::123456789012:role/bmx-prod-scheduler';

  it('takes BMX_SCHEDULER_ROLE_ARN, wherever the Scheduler endpoint is', () => {
    expect(schedulerRoleArn({ BMX_SCHEDULER_ROLE_ARN: role })).toBe(role);
    expect(schedulerRoleArn({ BMX_SCHEDULER_ROLE_ARN: role, AWS_ENDPOINT_URL_SCHEDULER: 'http://127.0.0.1:4570' })).toBe(role);
  });

  it('uses a placeholder role in the local stack\'s account when the Scheduler endpoint is on loopback and the variable is unset', () => {
    const local = 'arn:aws:iam::123456789012:role/bmx-local-scheduler';
    expect(schedulerRoleArn({ AWS_ACCOUNT_ID: '123456789012', AWS_ENDPOINT_URL_SCHEDULER: 'http://127.0.0.1:4570' })).toBe(local);
    expect(schedulerRoleArn({ AWS_ACCOUNT_ID: '123456789012', AWS_ENDPOINT_URL: 'http://localhost:4566' })).toBe(local);
    // The account is the stack's, never assumed.
    expect(() => schedulerRoleArn({ AWS_ENDPOINT_URL: 'http://localhost:4566' })).toThrow(/^AWS_ACCOUNT_ID: must be/);
  });

  it('fails a deploy to AWS without it, naming the variable', () => {
    expect(() => schedulerRoleArn({})).toThrow(ConfigError);
    expect(() => schedulerRoleArn({})).toThrow(/^BMX_SCHEDULER_ROLE_ARN: must be set/);
    expect(() => schedulerRoleArn({ AWS_ENDPOINT_URL_SCHEDULER: 'https://scheduler.eu-west-1.amazonaws.com' })).toThrow(/BMX_SCHEDULER_ROLE_ARN/);
  });

  it('refuses a value that is not a role ARN', () => {
    expect(() => schedulerRoleArn({ BMX_SCHEDULER_ROLE_ARN: 'bmx-scheduler' })).toThrow(/BMX_SCHEDULER_ROLE_ARN: "bmx-scheduler" is not an IAM role ARN/);
  });
});
