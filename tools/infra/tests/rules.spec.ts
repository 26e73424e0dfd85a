// Rules every synthesized template keeps, whatever lambda.deploy.json says: no wildcard resource beyond the reasoned
// list, visibility ≥ 6 × timeout, DLQs kept 14 days with an alarm each, log retention, current runtimes only, no
// plaintext secret in any environment, only resource types the local provisioner handles; plus what the shared stack promises for the images bucket.
import { localHandlingOf, RUNTIMES } from '@bmx/deploy';
import { Match } from 'aws-cdk-lib/assertions';
import { DLQ_RETENTION_DAYS, VISIBILITY_TIMEOUT_FACTOR, WILDCARD_RESOURCE_ACTIONS } from '../src';
import { resourcesOf, synthesizeAll } from './support/synthesized';

const stacks = synthesizeAll();
const named = stacks.map((stack) => [stack.stackName, stack] as const);
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

describe.each(named)('%s', (_, stack) => {
  const policies = [...resourcesOf(stack, 'AWS::IAM::Policy'), ...resourcesOf(stack, 'AWS::IAM::Role')];
  const statements = policies.flatMap(([, resource]) => [
    ...(((resource.Properties?.['PolicyDocument'] as { Statement?: Statement[] })?.Statement) ?? []),
    ...(((resource.Properties?.['Policies'] as { PolicyDocument: { Statement: Statement[] } }[]) ?? []).flatMap((policy) => policy.PolicyDocument.Statement)),
  ]);

  it('has only resource types the local provisioner makes or checks, so the local stack is built from this template too', () => {
    const unknown = Object.entries(stack.json.Resources).filter(([, resource]) => localHandlingOf(resource.Type) === undefined);
    expect(unknown.map(([id, resource]) => `${id}: ${resource.Type}`)).toEqual([]);
  });

  it('grants "*" only for the actions without resource-level permissions (each listed with its reason)', () => {
    const wildcard = statements.filter((statement) => [statement.Resource].flat().includes('*'));
    for (const statement of wildcard) expect([statement.Action].flat().filter((action) => !(action in WILDCARD_RESOURCE_ACTIONS))).toEqual([]);
    expect(statements.flatMap((statement) => [statement.Action].flat()).filter((action) => action.includes('*'))).toEqual([]);
    expect(resourcesOf(stack, 'AWS::IAM::ManagedPolicy')).toEqual([]);
    for (const [, role] of resourcesOf(stack, 'AWS::IAM::Role')) expect(role.Properties?.['ManagedPolicyArns']).toBeUndefined();
  });

  it('gives each trigger queue a visibility of at least 6 × its function\'s timeout', () => {
    for (const [, mapping] of resourcesOf(stack, 'AWS::Lambda::EventSourceMapping')) {
      const queueId = (mapping.Properties?.['EventSourceArn'] as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      const fnId = JSON.stringify(mapping.Properties?.['FunctionName']).match(/"Ref":"([A-Za-z0-9]+)"/)?.[1] as string;
      const aliasTarget = (stack.json.Resources[fnId]?.Properties?.['FunctionName'] as { Ref: string }).Ref;
      const timeout = stack.json.Resources[aliasTarget]?.Properties?.['Timeout'] as number;
      expect(stack.json.Resources[queueId]?.Properties?.['VisibilityTimeout']).toBeGreaterThanOrEqual(VISIBILITY_TIMEOUT_FACTOR * timeout);
    }
  });

  it('keeps every DLQ 14 days and alarms on each', () => {
    const dlqIds = resourcesOf(stack, 'AWS::SQS::Queue').flatMap(([, queue]) => {
      const target = (queue.Properties?.['RedrivePolicy'] as { deadLetterTargetArn?: { 'Fn::GetAtt': [string] } })?.deadLetterTargetArn;
      return target ? [target['Fn::GetAtt'][0]] : [];
    });
    expect(dlqIds.length).toBe(resourcesOf(stack, 'AWS::Lambda::EventSourceMapping').length);
    for (const dlqId of dlqIds) {
      expect(stack.json.Resources[dlqId]?.Properties?.['MessageRetentionPeriod']).toBeGreaterThanOrEqual(DLQ_RETENTION_DAYS * 86400);
      stack.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
        AlarmActions: Match.anyValue(),
      });
    }
  });

  it('writes every function to its own log group with a retention, and never uses the logRetention custom resource', () => {
    for (const [, fn] of resourcesOf(stack, 'AWS::Lambda::Function')) {
      const groupId = (fn.Properties?.['LoggingConfig'] as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(stack.json.Resources[groupId]?.Type).toBe('AWS::Logs::LogGroup');
      expect(stack.json.Resources[groupId]?.Properties?.['RetentionInDays']).toEqual(expect.any(Number));
    }
    for (const [, group] of resourcesOf(stack, 'AWS::Logs::LogGroup')) expect(group.Properties?.['RetentionInDays']).toEqual(expect.any(Number));
  });

  it('has no custom resource but the deploy steps, each served by a function or version of this very stack', () => {
    for (const [id, resource] of Object.entries(stack.json.Resources).filter(([, candidate]) => candidate.Type.startsWith('Custom::') || candidate.Type === 'AWS::CloudFormation::CustomResource')) {
      expect({ id, type: resource.Type }).toEqual({ id, type: expect.stringMatching(/^Custom::(SmokeTest|DeployStep)$/) });
      const token = resource.Properties?.['ServiceToken'] as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
      const target = token['Fn::GetAtt']?.[0] ?? token.Ref ?? '';
      expect({ id, serves: stack.json.Resources[target]?.Type }).toEqual({ id, serves: resource.Type === 'Custom::SmokeTest' ? 'AWS::Lambda::Function' : 'AWS::Lambda::Version' });
    }
  });

  it('runs every function on a current runtime', () => {
    for (const [, fn] of resourcesOf(stack, 'AWS::Lambda::Function')) expect(RUNTIMES).toContain(fn.Properties?.['Runtime']);
  });

  it('puts no secret in any function environment: secrets travel as the ARN of a Secrets Manager secret', () => {
    for (const [, fn] of resourcesOf(stack, 'AWS::Lambda::Function')) {
      const variables = (fn.Properties?.['Environment'] as { Variables?: Record<string, unknown> })?.Variables ?? {};
      for (const [name, value] of Object.entries(variables)) {
        expect({ name, plaintextCredential: /PASSWORD|TOKEN|API_KEY|CLIENT_SECRET|DATABASE_URL/.test(name) }).toEqual({ name, plaintextCredential: false });
        if (/SECRET/.test(name)) expect({ name, value }).toEqual({ name, value: { 'Fn::ImportValue': expect.stringMatching(/-secret-[a-z0-9-]+-arn$/) } });
        if (typeof value === 'string') expect({ name, value }).not.toEqual({ name, value: expect.stringMatching(/:\/\/[^/@]+:[^/@]+@/) });
      }
    }
  });
});

describe.each(named.filter(([, stack]) => stack.app === 'shared'))('%s (shared)', (_, stack) => {
  it('makes the images bucket private, encrypted, TLS-only, versioned, with CORS for presigned uploads and a name unique to the account and region', () => {
    const [bucketId, bucket] = resourcesOf(stack, 'AWS::S3::Bucket').find(([id]) => id.startsWith('Images') && !id.startsWith('ImagesAccessLogs'))!;
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      CorsConfiguration: { CorsRules: [expect.objectContaining({ AllowedMethods: expect.arrayContaining(['PUT']), AllowedOrigins: expect.any(Array) })] },
    });
    if (stack.env !== 'local') {
      expect(bucket.Properties?.['BucketName']).toEqual({ 'Fn::Join': ['-', [`bmx-${stack.env}-images`, { Ref: 'AWS::AccountId' }, { Ref: 'AWS::Region' }]] });
    }
    stack.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('exports what the app stacks import', () => {
    const exported = Object.values((stack.json as unknown as { Outputs: Record<string, { Export?: { Name: string } }> }).Outputs).map((output) => output.Export?.Name);
    expect(exported).toEqual(expect.arrayContaining([`bmx-${stack.env}-images-bucket-name`, `bmx-${stack.env}-alarm-topic-arn`, `bmx-${stack.env}-secret-database-arn`]));
    if (stack.env !== 'local') expect(exported).toEqual(expect.arrayContaining([`bmx-${stack.env}-private-subnet-ids`, `bmx-${stack.env}-database-client-sg-id`]));
  });
});
