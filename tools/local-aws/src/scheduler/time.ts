import { ConfigError } from '@bmx/aws-clients';

/** Variable that sets how many real seconds one schedule minute lasts on the local scheduler. */
export const SECONDS_PER_MINUTE_VARIABLE = 'LOCAL_SCHEDULER_SECONDS_PER_MINUTE';

/**
 * Reads {@link SECONDS_PER_MINUTE_VARIABLE}: real seconds per schedule minute (default 60, real time; 1 makes
 * `rate(1 hour)` fire every minute). Throws {@link ConfigError} naming the variable for a bad value.
 */
export function readSecondsPerMinute(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[SECONDS_PER_MINUTE_VARIABLE]?.trim();
  if (!raw) return 60;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(SECONDS_PER_MINUTE_VARIABLE, `must be a positive number of seconds, got "${raw}"`);
  return value;
}

/** True when `zone` is an IANA time zone name this runtime knows (`UTC`, `Europe/London`, ...). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds `zone` is ahead of UTC at the instant `epochMs`. */
function zoneOffsetMs(epochMs: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(epochMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(epochMs / 1000) * 1000;
}

/** The instant at which the wall clock in `zone` reads `dateTime` (`yyyy-mm-ddThh:mm:ss`). */
export function wallTimeToEpochMs(dateTime: string, zone: string): number {
  const asUtc = Date.parse(`${dateTime}Z`);
  // Two passes settle the offset on either side of a daylight-saving change.
  let instant = asUtc - zoneOffsetMs(asUtc, zone);
  instant = asUtc - zoneOffsetMs(instant, zone);
  return instant;
}
