/**
 * Runs `work` and returns the lines the process wrote to stdout and stderr meanwhile (Powertools writes INFO lines
 * and EMF to stdout, WARN and ERROR to stderr), instead of printing them. For tests of what a handler logs.
 */
export async function captureOutput(work: () => Promise<unknown>): Promise<string[]> {
  const written: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
      callback?.();
      return true;
    }) as typeof stream.write;
  }
  try {
    await work();
  } finally {
    streams.forEach((stream, index) => (stream.write = originals[index] as typeof stream.write));
  }
  return written.join('').split('\n').filter((line) => line.trim() !== '');
}

/** A CloudWatch embedded-metric-format line, as far as tests read it. */
export interface EmfLine {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [field: string]: unknown;
}

/** The EMF lines among `lines` (JSON objects with an `_aws.CloudWatchMetrics` directive), parsed. */
export function emfLines(lines: readonly string[]): EmfLine[] {
  return lines.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as Partial<EmfLine>;
      return Array.isArray(parsed._aws?.CloudWatchMetrics) ? [parsed as EmfLine] : [];
    } catch {
      return [];
    }
  });
}
