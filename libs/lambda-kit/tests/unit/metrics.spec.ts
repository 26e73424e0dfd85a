import { captureOutput, createMetrics, emfLines, METRIC_NAMES, METRICS_NAMESPACE, MetricUnit, withMetrics } from '../../src';

const stdoutOf = (work: () => Promise<unknown>) => captureOutput(() => work().catch(() => undefined));

describe('withMetrics', () => {
  it('writes one EMF line in the bmx namespace with the service dimension when the invocation ends', async () => {
    const metrics = createMetrics({ serviceName: 'image-processor', env: {} });
    const handler = withMetrics(async () => {
      metrics.addMetric(METRIC_NAMES.imageJobsCompleted, MetricUnit.Count, 1);
      metrics.addMetric(METRIC_NAMES.imageProcessingTime, MetricUnit.Milliseconds, 1234);
      throw new Error('the line is written even so');
    }, { metrics });
    const lines = await stdoutOf(() => handler(undefined, undefined));
    expect(lines).toHaveLength(1);
    const [emf] = emfLines(lines);
    if (!emf) throw new Error(`not an EMF line: ${lines[0]}`);
    const [directive] = emf._aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive?.Dimensions).toEqual([['service']]);
    expect(directive?.Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'ImageJobsCompleted', Unit: 'Count' },
        { Name: 'ImageProcessingTime', Unit: 'Milliseconds' },
      ]),
    );
    expect(emf).toMatchObject({ service: 'image-processor', ImageJobsCompleted: 1, ImageProcessingTime: 1234 });
    expect(Math.abs(emf._aws.Timestamp - Date.now())).toBeLessThan(60_000);
  });

  it('writes nothing for an invocation that added no metric', async () => {
    const metrics = createMetrics({ serviceName: 's', env: {} });
    expect(await stdoutOf(() => withMetrics(async () => 'x', { metrics })(undefined, undefined))).toEqual([]);
  });

  it('names every metric once', () => {
    const names = Object.values(METRIC_NAMES);
    expect(new Set(names).size).toBe(names.length);
  });
});
