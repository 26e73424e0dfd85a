/** Fields attached to a log line. Never put secrets or image bytes here. */
export type LogFields = Record<string, unknown>;

/** One JSON object per line, so CloudWatch Logs Insights can query the fields. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

function write(level: 'INFO' | 'WARN' | 'ERROR', message: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ level, message, service: 'image-processor', timestamp: new Date().toISOString(), ...fields });
  if (level === 'ERROR') console.error(line);
  else if (level === 'WARN') console.warn(line);
  else console.log(line);
}

/** The process-wide structured logger. */
export const logger: Logger = {
  info: (message, fields) => write('INFO', message, fields),
  warn: (message, fields) => write('WARN', message, fields),
  error: (message, fields) => write('ERROR', message, fields),
};

/** The message and name of anything thrown, for a log field. */
export function describeError(error: unknown): { errorName: string; errorMessage: string } {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message };
  return { errorName: typeof error, errorMessage: String(error) };
}
