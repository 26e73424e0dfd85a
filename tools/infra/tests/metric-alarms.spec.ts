// The alarms on the metrics the code publishes: on the exact names and dimensions withMetrics / publishMetricSet
// write (namespace BlueMoxon, `service` = the function name, carriers also `carrier`), sent to the alarm topic, and
// only on metrics the function's bundle really records.
import { loadDeployConfig } from '@bmx/deploy';
import { METRIC_NAMES } from '@bmx/lambda-kit';
import { Match } from 'aws-cdk-lib/assertions';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadEnvironment, METRIC_ALARMS, repoRoot, sharedExports } from '../src';
import { appsDir, resourcesOf, synthesizeAll, type SynthesizedStack } from './support/synthesized';

const stacks = synthesizeAll([loadEnvironment('local'), loadEnvironment('sandbox')]).filter((stack) => stack.app !== 'shared');
const stackOf = (env: string, app: string) => stacks.find((stack) => stack.env === env && stack.app === app) as SynthesizedStack;
const topic = (env: string) => [{ 'Fn::ImportValue': sharedExports(env).alarmTopicArn }];
const own = (name: string, service: string) => ({ Namespace: 'BlueMoxon', MetricName: name, Dimensions: [{ Name: 'service', Value: service }] });

describe.each(['local', 'sandbox'])('%s', (env) => {
  const processor = `bmx-${env}-image-processor`;
  const worker = `bmx-${env}-tracking-worker`;
  const dispatcher = `bmx-${env}-tracking-dispatcher`;

  it('alarms when over a quarter of ended image jobs failed, two quarter-hours running', () => {
    stackOf(env, 'image-processor').template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: '100 * failed / (failed + completed)', ReturnData: true }),
        Match.objectLike({ Id: 'failed', MetricStat: { Metric: own('ImageJobsFailed', processor), Period: 900, Stat: 'Sum' }, ReturnData: false }),
        Match.objectLike({ Id: 'completed', MetricStat: { Metric: own('ImageJobsCompleted', processor), Period: 900, Stat: 'Sum' }, ReturnData: false }),
      ]),
      Threshold: 25,
      EvaluationPeriods: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: topic(env),
    });
  });

  it('alarms on image job retries and on slow processing (p90 over half the 300 s timeout)', () => {
    const { template } = stackOf(env, 'image-processor');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { ...own('ImageJobRetries', processor), Statistic: 'Sum', Period: 900, Threshold: 10, AlarmActions: topic(env) });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { ...own('ImageProcessingTime', processor), ExtendedStatistic: 'p90', Period: 900, Threshold: 150_000, EvaluationPeriods: 2, AlarmActions: topic(env) });
  });

  it('alarms on carrier failures and circuit opens summed over every carrier of the worker', () => {
    const { template } = stackOf(env, 'tracking-dispatcher');
    for (const [metric, threshold] of [
      ['CarrierFailures', 10],
      ['CarrierCircuitOpens', 1],
    ] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: [{ Id: Match.anyValue(), Expression: `SELECT SUM(${metric}) FROM SCHEMA("BlueMoxon", carrier, service) WHERE service = '${worker}'`, Period: 900, Label: Match.anyValue(), ReturnData: true }],
        Threshold: threshold,
        AlarmActions: topic(env),
      });
    }
  });

  it('alarms on any book the dispatcher could not send, per hourly run', () => {
    stackOf(env, 'tracking-dispatcher').template.hasResourceProperties('AWS::CloudWatch::Alarm', { ...own('BooksDispatchFailed', dispatcher), Statistic: 'Sum', Period: 3600, Threshold: 1, AlarmActions: topic(env) });
  });
});

describe.each(Object.entries(METRIC_ALARMS))('%s', (key, alarms) => {
  const [app, id] = key.split('/') as [string, string];
  const fn = existsSync(path.join(appsDir, app, 'lambda.deploy.json')) ? loadDeployConfig(path.join(appsDir, app), 'sandbox').functions.find((candidate) => candidate.id === id) : undefined;

  it('is a function of an app', () => {
    expect(fn?.id).toBe(id);
  });

  it('publishes under its own function name: nothing sets another POWERTOOLS_SERVICE_NAME', () => {
    expect(fn?.environment?.['POWERTOOLS_SERVICE_NAME'] ?? fn?.name).toBe(fn?.name);
  });

  it("watches only metrics its bundle records (METRIC_NAMES.<key> read outside the names' own table)", () => {
    const bundle = readFileSync(path.join(repoRoot, 'dist/apps', app, id, 'index.js'), 'utf8');
    const keyOf = (name: string) => Object.entries(METRIC_NAMES).find(([, value]) => value === name)?.[0] ?? name;
    const watched = [...new Set(alarms.flatMap((alarm) => alarm.metrics))];
    expect(watched.filter((name) => !bundle.includes(`.${keyOf(name)}`))).toEqual([]);
  });

  it('has each alarm in the stack, sent to the alarm topic', () => {
    const stack = stackOf('sandbox', app);
    const described = resourcesOf(stack, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties?.['AlarmDescription']);
    for (const alarm of alarms) expect(described).toContain(`${fn?.name}: ${alarm.description}`);
  });
});
