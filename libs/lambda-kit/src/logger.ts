import { Logger } from '@aws-lambda-powertools/logger';

export { Logger };

/** Fields of one log line. Never credentials or image bytes. */
export type LogFields = Record<string, unknown>;

/**
 * What code that logs depends on: the process-wide Powertools {@link logger} satisfies it, and a test can pass a
 * recorder instead.
 */
export interface Log {
  debug(message: string, ...fields: LogFields[]): void;
  info(message: string, ...fields: LogFields[]): void;
  warn(message: string, ...fields: LogFields[]): void;
  error(message: string, ...fields: LogFields[]): void;
}

/** A {@link Log} that drops everything, for tests that do not look at logs. */
export const silentLog: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** One line a {@link recordingLog} kept. */
export interface RecordedLine {
  level: keyof Log;
  message: string;
  /** The field objects merged, as the line would print them. */
  fields: LogFields;
}

/** A {@link Log} that keeps its lines in `lines`, for tests asserting what was logged. */
export function recordingLog(): { log: Log; lines: RecordedLine[] } {
  const lines: RecordedLine[] = [];
  const at = (level: keyof Log) => (message: string, ...fields: LogFields[]) => {
    lines.push({ level, message, fields: Object.assign({}, ...fields) });
  };
  return { log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** The name and message of anything thrown, as log fields (Powertools also prints an `Error` given as the field). */
export function errorFields(error: unknown): { errorName: string; errorMessage: string } {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message };
  return { errorName: typeof error, errorMessage: String(error) };
}

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions {
  /**
   * The `service` field of every line. Default: `POWERTOOLS_SERVICE_NAME`, else `AWS_LAMBDA_FUNCTION_NAME`, else
   * `bmx`.
   */
  serviceName?: string;
  /** Read for the defaults above; default `process.env`. The level is Powertools' own rule (see the README). */
  env?: NodeJS.ProcessEnv;
}

/**
 * A Powertools Logger: one JSON object per line (`level`, `message`, `service`, `timestamp`, then the keys), the
 * level from `POWERTOOLS_LOG_LEVEL`, else Lambda's `AWS_LAMBDA_LOG_LEVEL`, else `LOG_LEVEL`, else INFO.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  return new Logger({ serviceName: serviceNameOf(options) });
}

/** The `service` of log lines and metrics: the option, else `POWERTOOLS_SERVICE_NAME`, else the function name, else `bmx`. */
export function serviceNameOf(options: CreateLoggerOptions): string {
  const env = options.env ?? process.env;
  return options.serviceName ?? (env['POWERTOOLS_SERVICE_NAME'] || env['AWS_LAMBDA_FUNCTION_NAME'] || 'bmx');
}

/**
 * The process-wide logger. A Lambda's handler (through {@link withLogger}) and the libraries it calls (`@bmx/db`)
 * write through this one instance, so every line of an invocation carries its request id and correlation id.
 */
export const logger = createLogger() satisfies Log;

/** The part of Lambda's context the logger reads; absent when a test calls the handler directly. */
export interface LoggedContext {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string | number;
}

/** Options for {@link withLogger}. */
export interface WithLoggerOptions {
  /** The logger to fill; default the process-wide {@link logger}. */
  logger?: Logger;
}

function isLambdaContext(context: unknown): context is LoggedContext {
  return typeof context === 'object' && context !== null && typeof (context as { awsRequestId?: unknown }).awsRequestId === 'string';
}

/**
 * Wraps a Lambda handler so each line it (and anything using the same logger) writes during the invocation carries
 * `function_request_id`, `cold_start`, `function_name`, `function_version`, `function_arn` and
 * `function_memory_size` (`cold_start` is true on an environment's first invocation when Lambda says it was
 * initialised on demand, `AWS_LAMBDA_INITIALIZATION_TYPE=on-demand`, as Powertools reads it). Keys appended during the invocation (`logger.appendKeys`, a correlation id) are removed
 * when it ends, so they never leak into the next one. An error the handler throws is logged, then thrown again (the
 * invocation still fails).
 */
export function withLogger<TEvent, TResult, TContext = unknown>(
  handler: (event: TEvent, context: TContext) => Promise<TResult>,
  options: WithLoggerOptions = {},
): (event: TEvent, context: TContext) => Promise<TResult> {
  const log = options.logger ?? logger;
  return async (event, context) => {
    if (isLambdaContext(context)) {
      // Powertools' Context type wants the callback-era methods too; it reads only the fields above.
      log.addContext(context as unknown as Parameters<Logger['addContext']>[0]);
      // Powertools keeps the version in its context but prints only the ARN; the version says which deploy ran.
      log.appendKeys({ function_version: context.functionVersion });
    }
    try {
      return await handler(event, context);
    } catch (error) {
      log.error('invocation failed', error as Error);
      throw error;
    } finally {
      log.resetKeys();
    }
  };
}
