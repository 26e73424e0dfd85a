// One stack per app, built from its lambda.deploy.json: per function a log group, a role from its grants, the
// function from the zip `nx bundle` wrote, a version and the `live` alias; its queue with DLQ and the mapping on
// `live`; its schedule with a role of its own; its alarms; and, for the `http` function, the HTTP API.
import {
  Aws,
  CfnOutput,
  Duration,
  Fn,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  applyVariant,
  DEFAULT_LOG_RETENTION_DAYS,
  DEFAULT_RUNTIME,
  DEFAULT_TIMEOUT_SECONDS,
  loadDeployConfig,
  type DeployVariant,
  SMOKE_TEST_HOOK,
  type FunctionSpec,
} from '@bmx/deploy';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EnvironmentSettings } from './environments';
import { deployStep, smokeTest } from './deploy-steps';
import { functionStatements, type ReasonedStatement } from './grants';
import { metricAlarmsOf } from './metric-alarms';
import { acknowledge } from './nag';
import { appStackName, sharedExports } from './names';

/** DLQ retention: the longest SQS allows, so a poison message can be looked at for two weeks. */
export const DLQ_RETENTION_DAYS = 14;
/** AWS's guidance for a queue triggering Lambda: visibility at least six times the function's timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
const FIVE_MINUTES = Duration.minutes(5);

export interface AppStackProps extends StackProps {
  environment: EnvironmentSettings;
  /** The app's folder (holding lambda.deploy.json). */
  appDir: string;
  /** Where `nx bundle` wrote the app's zips (`dist/apps/<app>`). */
  bundleDir: string;
  /** A test deploy's changes: only some functions, and their environment, memory, timeout. */
  variant?: DeployVariant;
}

/** The PascalCase construct id of a function id (`image-job-retry` → `ImageJobRetry`); never `Default`. */
const constructId = (id: string) =>
  id.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

export class AppStack extends Stack {
  /** Each function's `live` alias, by function id. */
  readonly aliases = new Map<string, lambda.Alias>();

  constructor(scope: Construct, props: AppStackProps) {
    const { environment } = props;
    const app = path.basename(props.appDir);
    super(scope, appStackName(environment.name, app), {
      ...props,
      description: `BlueMoxon ${environment.name}: the ${app} app's functions`,
    });
    const exportNames = sharedExports(environment.name);
    const imports = new Map<string, string>();
    const imported = (name: string) =>
      imports.get(name) ??
      (imports.set(name, Fn.importValue(name)), imports.get(name) as string);
    const config = applyVariant(
      loadDeployConfig(props.appDir, environment.name, {
        imagesBucket: imported(exportNames.imagesBucketName),
      }),
      props.variant,
    );
    const alarmTopic = sns.Topic.fromTopicArn(
      this,
      'AlarmTopic',
      imported(exportNames.alarmTopicArn),
    );
    const alarmAction = new cloudwatchActions.SnsAction(alarmTopic);
    const network = environment.network.mode !== 'none';

    const hookZip = path.join(props.bundleDir, `${SMOKE_TEST_HOOK.id}.zip`);
    const steps: Construct[] = [];
    const waitingForSteps: Construct[] = [];
    for (const fn of config.functions) {
      const id = constructId(fn.id);
      const zip = path.join(props.bundleDir, `${fn.id}.zip`);
      if (!existsSync(zip))
        throw new Error(`${zip} is missing: run \`nx bundle ${app}\` first`);
      const inVpc = network && fn.vpc !== undefined;

      const logGroup = new logs.LogGroup(this, `${id}Logs`, {
        logGroupName: `/aws/lambda/${fn.name}`,
        retention: fn.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
      });
      const role = new iam.Role(this, `${id}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `${fn.name}: exactly what lambda.deploy.json grants it`,
      });
      const targets = {
        imagesBucketArn: imported(exportNames.imagesBucketArn),
        logGroupArn: logGroup.logGroupArn,
        secretArn: (name: string) => imported(exportNames.secretArn(name)),
      };
      this.grant(role, functionStatements(this, fn, targets, inVpc));

      const environmentVariables: Record<string, string> = {
        ...(fn.environment ?? {}),
      };
      for (const [variable, secret] of Object.entries(fn.secrets ?? {}))
        environmentVariables[variable] = imported(
          exportNames.secretArn(secret),
        );

      const func = new lambda.Function(this, `${id}Function`, {
        functionName: fn.name,
        code: lambda.Code.fromAsset(zip),
        handler: `index.${fn.export ?? 'handler'}`,
        runtime: new lambda.Runtime(
          fn.runtime ?? DEFAULT_RUNTIME,
          lambda.RuntimeFamily.NODEJS,
        ),
        architecture:
          fn.architecture === 'arm64'
            ? lambda.Architecture.ARM_64
            : lambda.Architecture.X86_64,
        memorySize: fn.memorySize ?? 512,
        timeout: Duration.seconds(fn.timeout ?? DEFAULT_TIMEOUT_SECONDS),
        environment: environmentVariables,
        role,
        logGroup,
      });
      const cfnFunction = func.node.defaultChild as lambda.CfnFunction;
      cfnFunction.addMetadata('bmx:app', app);
      cfnFunction.addMetadata('bmx:functionId', fn.id);
      if (inVpc) {
        cfnFunction.vpcConfig = {
          subnetIds: Fn.split(',', imported(exportNames.privateSubnetIds)),
          securityGroupIds: [
            ...(fn.vpc?.database
              ? [imported(exportNames.databaseClientSecurityGroupId)]
              : []),
            ...(fn.vpc?.internet
              ? [imported(exportNames.internetEgressSecurityGroupId)]
              : []),
          ],
        };
      }
      // Lambda checks the role's network-interface rights when it creates a VPC function: policy first.
      func.node.addDependency(role);

      const live = new lambda.Alias(this, `${id}Live`, {
        aliasName: 'live',
        version: func.currentVersion,
      });
      this.aliases.set(fn.id, live);

      new cloudwatch.Alarm(this, `${id}Errors`, {
        alarmDescription: `${fn.name} threw or timed out`,
        metric: func.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator:
          cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(alarmAction);

      for (const spec of metricAlarmsOf(app, fn)) {
        new cloudwatch.Alarm(this, `${id}${spec.id}`, {
          alarmDescription: `${fn.name}: ${spec.description}`,
          metric: spec.metric(fn.name, fn),
          threshold: spec.threshold(fn),
          evaluationPeriods: spec.evaluationPeriods,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          // No jobs, calls or dispatches in a period is not a failure.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }).addAlarmAction(alarmAction);
      }

      if (fn.sqs) this.trigger(fn, id, live, alarmAction);
      if (fn.schedule) this.schedule(fn, id, live);
      if (fn.http) this.httpApi(fn, live);

      // Traffic moves to a new version only after it passed its smoke test (and the app's deploy steps ran).
      if (!existsSync(hookZip)) throw new Error(`${hookZip} is missing: run \`nx bundle ${app}\` first`);
      const tested = smokeTest(this, { fn, id, version: func.currentVersion, zip: hookZip, grant: (hookRole, statements) => this.grant(hookRole, statements) });
      live.node.addDependency(tested);
      waitingForSteps.push(tested, live);
      if (fn.deployStep) steps.push(deployStep(this, fn, id, func.currentVersion));
    }
    // Every smoke test and `live` alias of the app waits for the app's deploy steps (the API's migrations).
    for (const waiting of waitingForSteps) for (const step of steps) waiting.node.addDependency(step);
  }

  /** Adds statements to a role, acknowledging the narrowed wildcards of each with its reason. */
  private grant(role: iam.Role, statements: ReasonedStatement[]): void {
    for (const { statement, wildcardReason } of statements) {
      role.addToPolicy(statement);
      for (const resource of statement.resources.filter((candidate) => this.resolve(candidate) !== undefined)) {
        const flat = flattenCfnReference(this.resolve(resource));
        if (flat.includes('*') && wildcardReason) acknowledge(role, `AwsSolutions-IAM5[Resource::${flat}]`, wildcardReason);
      }
    }
  }

  /** The trigger queue, its DLQ, the mapping on `live`, and their alarms. */
  private trigger(
    fn: FunctionSpec,
    id: string,
    live: lambda.Alias,
    alarmAction: cloudwatch.IAlarmAction,
  ): void {
    const spec = fn.sqs as NonNullable<FunctionSpec['sqs']>;
    const timeout = fn.timeout ?? DEFAULT_TIMEOUT_SECONDS;
    const visibility =
      spec.visibilityTimeoutSeconds ??
      Math.max(30, VISIBILITY_TIMEOUT_FACTOR * timeout);
    if (visibility < VISIBILITY_TIMEOUT_FACTOR * timeout) {
      throw new Error(
        `${fn.name}: sqs.visibilityTimeoutSeconds ${visibility} is under ${VISIBILITY_TIMEOUT_FACTOR} × timeout (${VISIBILITY_TIMEOUT_FACTOR * timeout})`,
      );
    }
    const deadLetters = new sqs.Queue(this, `${id}DeadLetters`, {
      queueName: `${spec.queue}-dlq`,
      retentionPeriod: Duration.days(DLQ_RETENTION_DAYS),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const queue = new sqs.Queue(this, `${id}Queue`, {
      queueName: spec.queue,
      visibilityTimeout: Duration.seconds(visibility),
      deadLetterQueue: {
        queue: deadLetters,
        maxReceiveCount: spec.maxReceiveCount ?? 3,
      },
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    new lambda.EventSourceMapping(this, `${id}Trigger`, {
      target: live,
      eventSourceArn: queue.queueArn,
      batchSize: spec.batchSize ?? 10,
      reportBatchItemFailures: true,
      ...(spec.maxConcurrency ? { maxConcurrency: spec.maxConcurrency } : {}),
    });
    new cloudwatch.Alarm(this, `${id}DeadLettersVisible`, {
      alarmDescription: `${spec.queue}-dlq holds messages ${fn.name} could not process`,
      metric: deadLetters.metricApproximateNumberOfMessagesVisible({
        period: FIVE_MINUTES,
        statistic: 'Maximum',
      }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(alarmAction);
    new cloudwatch.Alarm(this, `${id}OldestMessage`, {
      alarmDescription: `${spec.queue} has a message older than two visibility timeouts: ${fn.name} is not keeping up`,
      metric: queue.metricApproximateAgeOfOldestMessage({
        period: FIVE_MINUTES,
        statistic: 'Maximum',
      }),
      threshold: Math.max(900, 2 * visibility),
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(alarmAction);
  }

  /** The Scheduler schedule invoking `live`, with a role that may invoke that alias and nothing else. */
  private schedule(fn: FunctionSpec, id: string, live: lambda.Alias): void {
    const spec = fn.schedule as NonNullable<FunctionSpec['schedule']>;
    const role = new iam.Role(this, `${id}ScheduleRole`, {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: `EventBridge Scheduler invoking ${fn.name}:live`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [live.functionArn],
      }),
    );
    new scheduler.CfnSchedule(this, `${id}Schedule`, {
      name: fn.name,
      scheduleExpression: spec.expression,
      scheduleExpressionTimezone: spec.timezone ?? 'UTC',
      flexibleTimeWindow: spec.flexibleWindowMinutes
        ? {
            mode: 'FLEXIBLE',
            maximumWindowInMinutes: spec.flexibleWindowMinutes,
          }
        : { mode: 'OFF' },
      state: spec.enabled === false ? 'DISABLED' : 'ENABLED',
      target: {
        arn: live.functionArn,
        roleArn: role.roleArn,
        input: JSON.stringify(spec.input ?? {}),
        retryPolicy: { maximumRetryAttempts: 2 },
      },
    });
  }

  /** The HTTP API in front of `live`: payload 2.0, one `$default` route, access logs and throttling on `$default`. */
  private httpApi(fn: FunctionSpec, live: lambda.Alias): void {
    const spec = fn.http as NonNullable<FunctionSpec['http']>;
    const api = new apigw.CfnApi(this, 'HttpApi', {
      name: fn.name,
      protocolType: 'HTTP',
      description: `${fn.name} front door`,
    });
    const integration = new apigw.CfnIntegration(this, 'HttpIntegration', {
      apiId: api.ref,
      integrationType: 'AWS_PROXY',
      integrationUri: live.functionArn,
      payloadFormatVersion: '2.0',
      timeoutInMillis: Math.min(30_000, (fn.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000),
    });
    const route = new apigw.CfnRoute(this, 'HttpRoute', {
      apiId: api.ref,
      routeKey: '$default',
      target: `integrations/${integration.ref}`,
    });
    acknowledge(
      route,
      'AwsSolutions-APIG4',
      'the API authorizes every request itself (API keys with roles, apps/api auth.ts) and answers 401/403; an authorizer in front would check the same key twice',
    );
    const accessLogs = new logs.LogGroup(this, 'HttpAccessLogs', {
      logGroupName: `/aws/apigateway/${fn.name}`,
      retention: fn.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    });
    new apigw.CfnStage(this, 'HttpStage', {
      apiId: api.ref,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destinationArn: accessLogs.logGroupArn,
        format: JSON.stringify({
          requestId: '$context.requestId',
          ip: '$context.identity.sourceIp',
          requestTime: '$context.requestTime',
          method: '$context.httpMethod',
          path: '$context.path',
          status: '$context.status',
          latencyMs: '$context.responseLatency',
          integrationError: '$context.integrationErrorMessage',
        }),
      },
      defaultRouteSettings: {
        throttlingRateLimit: spec.throttlingRateLimit,
        throttlingBurstLimit: spec.throttlingBurstLimit,
      },
    });
    live.addPermission('HttpApiInvokesLive', {
      principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      sourceArn: this.formatArn({
        service: 'execute-api',
        resource: api.ref,
        resourceName: '*/*',
      }),
    });
    new CfnOutput(this, 'HttpApiUrl', {
      value: api.attrApiEndpoint,
      description: `${fn.name} URL`,
    });
  }
}
