// A small CDK app around the sample app, synthesized to a real cloud assembly for the local provisioner's tests: a
// shared stack (the bucket, exported) and an app stack built the way the infra project builds one (function from
// the zip `bundleApp` wrote, its version and `live` alias, a queue with its DLQ mapped to `live`, a schedule on
// `live` with its own role, a generated secret, a log group, an alarm on the DLQ, the bmx:app/bmx:functionId metadata).
import { App, CfnOutput, DefaultStackSynthesizer, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';

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
      ...options.environment,
    },
  });
  token.grantRead(fn);
  (fn.node.defaultChild as lambda.CfnFunction).addMetadata('bmx:app', 'sample-app');
  (fn.node.defaultChild as lambda.CfnFunction).addMetadata('bmx:functionId', 'worker');
  const live = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion });

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
