// Each app's stack says what its lambda.deploy.json declares: every function with its settings, its grants as IAM,
// its trigger, schedule, alarms and (for the API) the HTTP API.
import { loadDeployConfig, type FunctionSpec } from '@bmx/deploy';
import { Match } from 'aws-cdk-lib/assertions';
import path from 'node:path';
import { DLQ_RETENTION_DAYS, sharedExports } from '../src';
import {
  appsDir,
  resourcesOf,
  synthesizeAll,
  type SynthesizedStack,
} from './support/synthesized';

const importOf = (name: string) => ({ 'Fn::ImportValue': name });
/** Left in place of `{imagesBucket}` so the expected environment can say where the bucket name comes from. */
const IMAGES_BUCKET = 'images-bucket-placeholder';

const stacks = synthesizeAll().filter((stack) => stack.app !== 'shared');
const cases = stacks.flatMap((stack) =>
  loadDeployConfig(path.join(appsDir, stack.app), stack.env, { imagesBucket: IMAGES_BUCKET }).functions.map(
    (fn) => [`${stack.env}/${stack.app}/${fn.id}`, stack, fn] as const,
  ),
);

/** The logical id of the function resource named `name`. */
function functionId(stack: SynthesizedStack, name: string): string {
  const found = resourcesOf(stack, 'AWS::Lambda::Function').find(
    ([, resource]) => resource.Properties?.['FunctionName'] === name,
  );
  if (!found) throw new Error(`${stack.stackName} has no function ${name}`);
  return found[0];
}

/** The statements of the policy attached to a function's role. */
function roleStatements(
  stack: SynthesizedStack,
  fnLogicalId: string,
): { Action: string | string[]; Resource: unknown }[] {
  const role = (
    stack.json.Resources[fnLogicalId]?.Properties?.['Role'] as {
      'Fn::GetAtt': [string, string];
    }
  )['Fn::GetAtt'][0];
  return resourcesOf(stack, 'AWS::IAM::Policy')
    .filter(([, policy]) =>
      (policy.Properties?.['Roles'] as { Ref: string }[]).some(
        (ref) => ref.Ref === role,
      ),
    )
    .flatMap(
      ([, policy]) =>
        (
          policy.Properties?.['PolicyDocument'] as {
            Statement: { Action: string | string[]; Resource: unknown }[];
          }
        ).Statement,
    );
}
const actionsOf = (statements: { Action: string | string[] }[]) =>
  new Set(statements.flatMap((statement) => [statement.Action].flat()));

/** The logical id of the `live` alias of the function `logicalId`. */
function liveAliasId(stack: SynthesizedStack, logicalId: string): string {
  const found = resourcesOf(stack, 'AWS::Lambda::Alias').find(([, alias]) => (alias.Properties?.['FunctionName'] as { Ref: string }).Ref === logicalId);
  if (!found || found[1].Properties?.['Name'] !== 'live') throw new Error(`${stack.stackName}: ${logicalId} has no live alias`);
  return found[0];
}

/** Asserts an alarm on one metric of one resource, sent to the environment's alarm topic. */
function expectAlarm(stack: SynthesizedStack, namespace: string, metric: string, dimension: { Name: string; Value: unknown }): void {
  stack.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: namespace,
    MetricName: metric,
    Dimensions: [dimension],
    AlarmActions: [importOf(sharedExports(stack.env).alarmTopicArn)],
  });
}

/** Settings a function does not declare get no test at all (rather than a skipped one). */
const skipped = (name: string, test: () => void): void => void [name, test];

describe.each(cases)('%s', (_, stack, fn: FunctionSpec) => {
  const exportNames = sharedExports(stack.env);
  const logicalId = functionId(stack, fn.name);
  const inVpc = stack.env !== 'local' && fn.vpc !== undefined;

  it('is a function from its zip with the declared settings, tagged for the local provisioner', () => {
    const resource = stack.json.Resources[logicalId]!;
    expect(resource.Metadata).toMatchObject({
      'bmx:app': stack.app,
      'bmx:functionId': fn.id,
    });
    const variables: Record<string, unknown> = { ...fn.environment };
    for (const [variable, secret] of Object.entries(fn.secrets ?? {}))
      variables[variable] = importOf(exportNames.secretArn(secret));
    for (const [variable, value] of Object.entries(variables)) {
      if (value === IMAGES_BUCKET) variables[variable] = importOf(exportNames.imagesBucketName);
    }
    stack.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: fn.name,
      Handler: `index.${fn.export ?? 'handler'}`,
      Runtime: fn.runtime ?? 'nodejs24.x',
      Architectures: [fn.architecture ?? 'x86_64'],
      MemorySize: fn.memorySize ?? 512,
      Timeout: fn.timeout ?? 30,
      Code: {
        S3Bucket: Match.anyValue(),
        S3Key: Match.stringLikeRegexp('^[0-9a-f]{64}\\.zip$'),
      },
      Environment: { Variables: variables },
      LoggingConfig: { LogGroup: Match.anyValue() },
      ...(inVpc
        ? {
            VpcConfig: {
              SubnetIds: {
                'Fn::Split': [',', importOf(exportNames.privateSubnetIds)],
              },
              SecurityGroupIds: Match.anyValue(),
            },
          }
        : {}),
    });
    if (!inVpc)
      expect(
        stack.json.Resources[logicalId]?.Properties?.['VpcConfig'],
      ).toBeUndefined();
  });

  it('has a published version behind its live alias, and its own log group with retention', () => {
    const versions = resourcesOf(stack, 'AWS::Lambda::Version').filter(
      ([, version]) =>
        (version.Properties?.['FunctionName'] as { Ref: string }).Ref ===
        logicalId,
    );
    expect(versions).toHaveLength(1);
    stack.template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      FunctionName: { Ref: logicalId },
      FunctionVersion: { 'Fn::GetAtt': [versions[0]![0], 'Version'] },
    });
    stack.template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/aws/lambda/${fn.name}`,
      RetentionInDays: fn.logRetentionDays ?? 30,
    });
  });

  it('has a role of its own granting exactly its grants', () => {
    const role = (
      stack.json.Resources[logicalId]?.Properties?.['Role'] as {
        'Fn::GetAtt': [string, string];
      }
    )['Fn::GetAtt'][0];
    const others = resourcesOf(stack, 'AWS::Lambda::Function').filter(
      ([id]) => id !== logicalId,
    );
    expect(
      others.map(
        ([, other]) =>
          (other.Properties?.['Role'] as { 'Fn::GetAtt': [string] })[
            'Fn::GetAtt'
          ][0],
      ),
    ).not.toContain(role);
    const statements = roleStatements(stack, logicalId);
    const expected = new Set(['logs:CreateLogStream', 'logs:PutLogEvents']);
    const bucket = fn.grants?.imagesBucket ?? [];
    for (const [access, action] of [
      ['read', 's3:GetObject'],
      ['write', 's3:PutObject'],
      ['delete', 's3:DeleteObject'],
      ['list', 's3:ListBucket'],
    ] as const) {
      if (bucket.includes(access)) expected.add(action);
    }
    if (fn.grants?.sendToQueues)
      ['sqs:SendMessage', 'sqs:GetQueueUrl'].forEach((action) => expected.add(action));
    if (fn.grants?.readQueueDepth)
      ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl'].forEach((action) => expected.add(action));
    if (fn.grants?.changeVisibilityOnQueues)
      ['sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl'].forEach((action) =>
        expected.add(action),
      );
    if (fn.sqs)
      [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ].forEach((action) => expected.add(action));
    if (fn.grants?.invokeFunctions) expected.add('lambda:InvokeFunction');
    if (fn.grants?.getFunctions) expected.add('lambda:GetFunction');
    if (fn.secrets) expected.add('secretsmanager:GetSecretValue');
    if (inVpc)
      [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ].forEach((action) => expected.add(action));
    expect([...actionsOf(statements)].sort()).toEqual([...expected].sort());
    const resources = JSON.stringify(
      statements.map((statement) => statement.Resource),
    );
    for (const queue of [
      ...(fn.grants?.sendToQueues ?? []),
      ...(fn.grants?.changeVisibilityOnQueues ?? []),
      ...(fn.grants?.readQueueDepth ?? []),
      ...(fn.grants?.readQueueDepth ?? []).map((queue) => `${queue}-dlq`),
    ])
      expect(resources).toContain(`:${queue}"`);
    for (const name of fn.grants?.invokeFunctions ?? [])
      expect(resources).toContain(`:function:${name}:*`);
    if (bucket.some((access) => access !== 'list'))
      expect(resources).toContain(
        JSON.stringify([importOf(exportNames.imagesBucketArn), '/*']).slice(
          1,
          -1,
        ),
      );
  });

  it('moves live only after its new version passed its smoke test, run by a hook that may invoke only that function', () => {
    const aliasId = liveAliasId(stack, logicalId);
    const [versionId] = resourcesOf(stack, 'AWS::Lambda::Version').find(([, version]) => (version.Properties?.['FunctionName'] as { Ref: string }).Ref === logicalId)!;
    const [testId, test] = resourcesOf(stack, 'Custom::SmokeTest').find(([, candidate]) => candidate.Properties?.['FunctionName'] === fn.name)!;
    expect(test.Properties).toMatchObject({ Qualifier: { 'Fn::GetAtt': [versionId, 'Version'] }, EventJson: JSON.stringify(fn.smokeTest ?? { smoke_test: true }) });
    // One resource per version (its id ends with the version's hash): a rollback or a clean-up is a Delete, which tests nothing.
    expect(testId.slice(-32)).toBe(versionId.slice(-32));
    expect([stack.json.Resources[aliasId]?.DependsOn].flat()).toContain(testId);
    const hookId = (test.Properties?.['ServiceToken'] as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const hook = stack.json.Resources[hookId]!;
    expect(hook.Properties).toMatchObject({ FunctionName: `${fn.name}-smoke-test`, Handler: 'index.handler', LoggingConfig: { LogGroup: { Ref: expect.any(String) } } });
    expect(hook.Properties?.['VpcConfig']).toBeUndefined();
    const statements = roleStatements(stack, hookId);
    expect([...actionsOf(statements)].sort()).toEqual(['lambda:InvokeFunction', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(JSON.stringify(statements.find((statement) => statement.Action === 'lambda:InvokeFunction')?.Resource)).toContain(`:function:${fn.name}:*`);
  });

  (fn.deployStep ? it : skipped)('runs its new version as a deploy step before every smoke test and live alias of the app', () => {
    const [versionId] = resourcesOf(stack, 'AWS::Lambda::Version').find(([, version]) => (version.Properties?.['FunctionName'] as { Ref: string }).Ref === logicalId)!;
    const [stepId] = resourcesOf(stack, 'Custom::DeployStep').find(([, step]) => (step.Properties?.['ServiceToken'] as { Ref?: string }).Ref === versionId)!;
    expect(stepId.slice(-32)).toBe(versionId.slice(-32));
    const waiting = [...resourcesOf(stack, 'Custom::SmokeTest'), ...resourcesOf(stack, 'AWS::Lambda::Alias')];
    expect(waiting.length).toBeGreaterThan(1);
    for (const [id, resource] of waiting) expect({ id, dependsOn: [resource.DependsOn].flat() }).toEqual({ id, dependsOn: expect.arrayContaining([stepId]) });
  });

  it('alarms on its errors', () => {
    expectAlarm(stack, 'AWS/Lambda', 'Errors', { Name: 'FunctionName', Value: { Ref: logicalId } });
  });

  (fn.sqs ? it : skipped)(
    'is triggered on live by its queue, whose DLQ keeps 14 days and alarms, with partial batch failures and its concurrency',
    () => {
      const spec = fn.sqs!;
      const [dlqId] = resourcesOf(stack, 'AWS::SQS::Queue').find(
        ([, queue]) => queue.Properties?.['QueueName'] === `${spec.queue}-dlq`,
      )!;
      const [queueId] = resourcesOf(stack, 'AWS::SQS::Queue').find(
        ([, queue]) => queue.Properties?.['QueueName'] === spec.queue,
      )!;
      stack.template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: `${spec.queue}-dlq`,
        MessageRetentionPeriod: DLQ_RETENTION_DAYS * 86400,
      });
      stack.template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: spec.queue,
        VisibilityTimeout:
          spec.visibilityTimeoutSeconds ?? Math.max(30, 6 * (fn.timeout ?? 30)),
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
          maxReceiveCount: spec.maxReceiveCount ?? 3,
        },
      });
      const aliasId = liveAliasId(stack, logicalId);
      const [, mapping] = resourcesOf(stack, 'AWS::Lambda::EventSourceMapping').find(([, candidate]) =>
        JSON.stringify(candidate.Properties?.['EventSourceArn']).includes(queueId),
      )!;
      // The mapping names `<function>:live`, taken apart from the alias ARN.
      expect(JSON.stringify(mapping.Properties?.['FunctionName'])).toContain(JSON.stringify({ Ref: aliasId }));
      stack.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        BatchSize: spec.batchSize ?? 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ...(spec.maxConcurrency
          ? { ScalingConfig: { MaximumConcurrency: spec.maxConcurrency } }
          : {}),
      });
      expectAlarm(stack, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', { Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } });
      expectAlarm(stack, 'AWS/SQS', 'ApproximateAgeOfOldestMessage', { Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } });
    },
  );

  (fn.schedule ? it : skipped)(
    'is scheduled on live with a role that may invoke only that alias',
    () => {
      const spec = fn.schedule!;
      const aliasId = liveAliasId(stack, logicalId);
      const [, schedule] = resourcesOf(stack, 'AWS::Scheduler::Schedule').find(
        ([, candidate]) => candidate.Properties?.['Name'] === fn.name,
      )!;
      expect(schedule.Properties).toMatchObject({
        ScheduleExpression: spec.expression,
        ScheduleExpressionTimezone: spec.timezone ?? 'UTC',
        State: spec.enabled === false ? 'DISABLED' : 'ENABLED',
        FlexibleTimeWindow: spec.flexibleWindowMinutes
          ? {
              Mode: 'FLEXIBLE',
              MaximumWindowInMinutes: spec.flexibleWindowMinutes,
            }
          : { Mode: 'OFF' },
        Target: {
          Arn: { Ref: aliasId },
          Input: JSON.stringify(spec.input ?? {}),
        },
      });
      const roleId = (
        schedule.Properties?.['Target'] as {
          RoleArn: { 'Fn::GetAtt': [string] };
        }
      ).RoleArn['Fn::GetAtt'][0];
      stack.template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: {
                StringEquals: {
                  'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                },
              },
            }),
          ],
        },
      });
      const policies = resourcesOf(stack, 'AWS::IAM::Policy').filter(
        ([, policy]) =>
          (policy.Properties?.['Roles'] as { Ref: string }[]).some(
            (ref) => ref.Ref === roleId,
          ),
      );
      expect(
        policies.flatMap(
          ([, policy]) =>
            (policy.Properties?.['PolicyDocument'] as { Statement: unknown[] })
              .Statement,
        ),
      ).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          Effect: 'Allow',
          Resource: { Ref: aliasId },
        },
      ]);
    },
  );

  (fn.http ? it : skipped)(
    'is behind an HTTP API: payload 2.0 to live, $default route and stage, access logs and throttling',
    () => {
      const spec = fn.http!;
      const aliasId = liveAliasId(stack, logicalId);
      stack.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
      });
      stack.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { Ref: aliasId },
      });
      stack.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: '$default',
      });
      stack.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        AccessLogSettings: {
          DestinationArn: Match.anyValue(),
          Format: Match.stringLikeRegexp('requestId'),
        },
        DefaultRouteSettings: {
          ThrottlingRateLimit: spec.throttlingRateLimit,
          ThrottlingBurstLimit: spec.throttlingBurstLimit,
        },
      });
      stack.template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        FunctionName: { Ref: aliasId },
      });
    },
  );
});

describe('app stacks', () => {
  it('cover every function of every app in every environment (localOnly ones only in local)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
    const local = stacks.find(
      (stack) => stack.env === 'local' && stack.app === 'api',
    )!;
    const sandbox = stacks.find(
      (stack) => stack.env === 'sandbox' && stack.app === 'api',
    )!;
    expect(
      resourcesOf(local, 'AWS::Lambda::Function').map(
        ([, fn]) => fn.Properties?.['FunctionName'],
      ),
    ).toContain('bmx-local-scraper');
    expect(
      resourcesOf(sandbox, 'AWS::Lambda::Function').map(
        ([, fn]) => fn.Properties?.['FunctionName'],
      ),
    ).not.toContain('bmx-sandbox-scraper');
  });
});
