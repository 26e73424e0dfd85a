// A function's `schedule` in lambda.deploy.json.
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
