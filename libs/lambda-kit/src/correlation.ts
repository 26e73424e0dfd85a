import type { Log, LogFields } from './logger';

/** The SQS message attribute (and log key) carrying the id that follows one piece of work across functions. */
export const CORRELATION_ID_ATTRIBUTE = 'correlation_id';

/** The part of an SQS record (as Lambda delivers it) that carries message attributes. */
export interface RecordWithAttributes {
  messageAttributes?: Record<string, { stringValue?: string | undefined } | undefined>;
}

/** The message attributes that carry `correlationId` (none when it is undefined), for `sendJsonMessage(s)`. */
export function correlationAttributes(correlationId: string | undefined): Record<string, string> {
  return correlationId ? { [CORRELATION_ID_ATTRIBUTE]: correlationId } : {};
}

/** The correlation id a record's producer sent, if any. */
export function correlationIdOf(record: RecordWithAttributes): string | undefined {
  const value = record.messageAttributes?.[CORRELATION_ID_ATTRIBUTE]?.stringValue;
  return value ? value : undefined;
}

/** A {@link Log} that adds `fields` to every line it writes through `log` (one record's message id, correlation id). */
export function logWith(log: Log, fields: LogFields): Log {
  return {
    debug: (message, ...more) => log.debug(message, fields, ...more),
    info: (message, ...more) => log.info(message, fields, ...more),
    warn: (message, ...more) => log.warn(message, fields, ...more),
    error: (message, ...more) => log.error(message, fields, ...more),
  };
}
