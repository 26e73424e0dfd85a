/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Writes one structured line. Fields must never carry credentials: adapters log tracking numbers and codes only. */
export type Logger = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/**
 * One JSON object per line on stdout/stderr, as CloudWatch Logs indexes them. `component` tells the dispatcher's
 * lines from the worker's when both run in one log group.
 */
export function jsonLogger(component: string): Logger {
  return (level, message, fields = {}) => {
    const line = JSON.stringify({ level, component, message, ...fields, time: new Date().toISOString() });
    if (level === 'error' || level === 'warn') console.error(line);
    else console.log(line);
  };
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = () => undefined;
