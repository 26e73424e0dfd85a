// A small CDK app around the sample app, synthesized to a real cloud assembly for the local provisioner's tests: a
// shared stack (the bucket, exported) and an app stack built the way the infra project builds one (function from
// the zip `bundleApp` wrote, its version and `live` alias waiting for the version's `Custom::SmokeTest` run by the
// smoke-test hook, optionally a `Custom::DeployStep` before both, a queue with its DLQ mapped to `live`, a schedule
// on `live` with its own role, a generated secret, a log group, an alarm on the DLQ).
import { App, CfnOutput, type CfnResource, CustomResource, DefaultStackSynthesizer, Duration, Fn, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import path from 'node:path';
import { SMOKE_TEST_HOOK } from '../../src';

/** What a test varies between two syntheses. */
export interface SampleStackOptions {
  /** Environment name in the resource names. */
  envName: string;
  zipPath: string;
  memorySize?: number;
  environment?: Record<string, string>;
  /** `rate(…)` of the schedule; undefined leaves the schedule out. */
  schedule?: string;
  runtime?: lambda.Runtime;
  /** A file the worker appends its version to for every smoke test it answers (`SAMPLE_SMOKE_TEST_LOG`). */
  smokeTestLog?: string;
  /** Run the worker's new version as a `Custom::DeployStep` before its smoke test and `live`, as the API's migrations run. */
  deployStep?: boolean;
}

/** One resource per new version, as tools/infra makes them: the logical id ends with the version's hash. */
function oncePerVersion(resource: CustomResource, prefix: string, version: lambda.Version): void {
  const versionResource = version.node.defaultChild as lambda.CfnVersion;
  (resource.node.defaultChild as CfnResource).overrideLogicalId(
    Lazy.uncachedString({ produce: () => `${prefix}${(Stack.of(resource).resolve(versionResource.logicalId) as string).slice(-32)}` }),
  );
}

/** Synthesizes the shared and the app stack into `outdir` and returns it. */
export function synthSampleAssembly(outdir: string, options: SampleStackOptions): string {
  const app = new App({ outdir, analyticsReporting: false });
  const synthesizer = () => new DefaultStackSynthesizer({ generateBootstrapVersionRule: false });
  const { envName } = options;

  const shared = new Stack(app, 'Shared', { stackName: `sample-${envName}-shared`, synthesizer: synthesizer() });
  const images = new s3.Bucket(shared, 'Images', { bucketName: `sample-${envName}-images`, removalPolicy: RemovalPolicy.RETAIN });
  new CfnOutput(shared, 'ImagesBucketName', { value: images.bucketName, exportName: `sample-${envName}-images-bucket` });

  const stack = new Stack(app, 'SampleApp', { stackName: `sample-${envName}-sample-app`, synthesizer: synthesizer() });
  stack.addStackDependency(shared);
  const name = `sample-${envName}-worker`;
  const logGroup = new logs.LogGroup(stack, 'WorkerLogs', { logGroupName: `/aws/lambda/${name}`, retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
  const token = new secretsmanager.Secret(stack, 'Token', { secretName: `sample-${envName}-token`, generateSecretString: { passwordLength: 24, excludePunctuation: true } });
  const fn = new lambda.Function(stack, 'Worker', {
    functionName: name,
    runtime: options.runtime ?? lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(options.zipPath),
    memorySize: options.memorySize ?? 256,
    timeout: Duration.seconds(5),
    logGroup,
    environment: {
      GREETING: `hello from ${envName}`,
      IMAGES_BUCKET: Fn.importValue(`sample-${envName}-images-bucket`),
      TOKEN_SECRET_ARN: token.secretArn,
      ...(options.smokeTestLog ? { SAMPLE_SMOKE_TEST_LOG: options.smokeTestLog } : {}),
      ...options.environment,
    },
  });
  token.grantRead(fn);
  const live = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion });

  const hookRole = new iam.Role(stack, 'WorkerSmokeTestRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  fn.grantInvoke(hookRole);
  const hook = new lambda.Function(stack, 'WorkerSmokeTestHook', {
    functionName: `${name}-smoke-test`,
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: `index.${SMOKE_TEST_HOOK.export}`,
    code: lambda.Code.fromAsset(path.join(path.dirname(options.zipPath), `${SMOKE_TEST_HOOK.id}.zip`)),
    memorySize: SMOKE_TEST_HOOK.memorySize,
    timeout: Duration.seconds(35),
    role: hookRole,
  });
  const smokeTest = new CustomResource(stack, 'WorkerSmokeTest', {
    serviceToken: hook.functionArn,
    resourceType: 'Custom::SmokeTest',
    properties: { FunctionName: name, Qualifier: fn.currentVersion.version, EventJson: JSON.stringify({ smoke_test: true }) },
  });
  oncePerVersion(smokeTest, 'WorkerSmokeTest', fn.currentVersion);
  live.node.addDependency(smokeTest);
  if (options.deployStep) {
    const step = new CustomResource(stack, 'WorkerDeployStep', {
      serviceToken: fn.currentVersion.functionArn,
      resourceType: 'Custom::DeployStep',
      properties: { FunctionName: name, Qualifier: fn.currentVersion.version },
    });
    oncePerVersion(step, 'WorkerDeployStep', fn.currentVersion);
    smokeTest.node.addDependency(step);
    live.node.addDependency(step);
  }

  const dlq = new sqs.Queue(stack, 'JobsDlq', { queueName: `sample-${envName}-jobs-dlq`, retentionPeriod: Duration.days(14) });
  const jobs = new sqs.Queue(stack, 'Jobs', {
    queueName: `sample-${envName}-jobs`,
    visibilityTimeout: Duration.seconds(30),
    deadLetterQueue: { queue: dlq, maxReceiveCount: 2 },
  });
  live.addEventSource(new SqsEventSource(jobs, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency: 2 }));
  new cloudwatch.Alarm(stack, 'DlqDepth', {
    metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  });

  if (options.schedule) {
    const role = new iam.Role(stack, 'SchedulerRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
    live.grantInvoke(role);
    new scheduler.CfnSchedule(stack, 'WorkerSchedule', {
      name,
      scheduleExpression: options.schedule,
      flexibleTimeWindow: { mode: 'OFF' },
      target: { arn: live.functionArn, roleArn: role.roleArn, input: JSON.stringify({ scheduled: true, source: 'aws.scheduler' }) },
    });
  }
  app.synth();
  return outdir;
}
