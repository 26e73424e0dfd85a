/** A parsed EventBridge Scheduler `ScheduleExpression`. */
export type ScheduleExpression =
  | { kind: 'rate'; minutes: number }
  | { kind: 'cron'; fields: string[] }
  /** `at(yyyy-mm-ddThh:mm:ss)`: the wall-clock time as written, to be read in the schedule's time zone. */
  | { kind: 'at'; dateTime: string };

/** The expression is not one Scheduler accepts; the message says why. */
export class ScheduleExpressionError extends Error {
  override readonly name = 'ScheduleExpressionError';
}

const RATE_UNITS: Record<string, number> = { minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 };

// One field of a cron expression: values, ranges, steps, lists, and the wildcards Scheduler documents
// (`*`, `?`, `L`, `W`, `#`). A light syntax check, not an evaluator.
const CRON_FIELD = /^[\d*?,\-/LW#A-Z]+$/i;

function invalid(expression: string, reason: string): never {
  throw new ScheduleExpressionError(`Invalid Schedule Expression ${expression}: ${reason}`);
}

function parseCron(expression: string, body: string): ScheduleExpression {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) invalid(expression, 'a cron expression has six fields (minutes hours day-of-month month day-of-week year)');
  if (!fields.every((field) => CRON_FIELD.test(field))) invalid(expression, 'a cron field has characters cron does not allow');
  const [, , dayOfMonth, , dayOfWeek] = fields;
  // Scheduler, like EventBridge rules, needs exactly one of day-of-month and day-of-week to be `?`.
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) invalid(expression, 'one of day-of-month and day-of-week must be "?"');
  return { kind: 'cron', fields };
}

function parseAt(expression: string, body: string): ScheduleExpression {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body.trim());
  if (!match) invalid(expression, 'an at expression is at(yyyy-mm-ddThh:mm:ss)');
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    invalid(expression, 'not a real date and time');
  }
  return { kind: 'at', dateTime: body.trim() };
}

/**
 * Parses `rate(N minute|minutes|hour|hours|day|days)` (N a positive integer, so never under a minute),
 * `cron(six fields)` and `at(yyyy-mm-ddThh:mm:ss)`, as EventBridge Scheduler accepts them. Throws
 * {@link ScheduleExpressionError} for anything else.
 */
export function parseScheduleExpression(expression: string): ScheduleExpression {
  const match = /^(rate|cron|at)\((.*)\)$/.exec(expression);
  if (!match) invalid(expression, 'expected rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss)');
  const [, kind, body] = match as unknown as [string, string, string];
  if (kind === 'cron') return parseCron(expression, body);
  if (kind === 'at') return parseAt(expression, body);
  const rate = /^(\d+) ([a-z]+)$/.exec(body);
  if (!rate) invalid(expression, 'a rate expression is rate(value unit), e.g. rate(5 minutes)');
  const value = Number(rate[1]);
  const unit = RATE_UNITS[rate[2] as string];
  if (unit === undefined) invalid(expression, 'the unit must be minute, minutes, hour, hours, day or days');
  if (!Number.isSafeInteger(value) || value < 1) invalid(expression, 'the value must be a positive integer (the shortest rate is 1 minute)');
  return { kind: 'rate', minutes: value * unit };
}
