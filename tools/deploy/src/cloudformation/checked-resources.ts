// Resources the local stack reads and checks for shape but does not enforce: IAM (the local servers check no
// permissions), log groups, alarms and topics, API Gateway (the API runs as a server locally), CodeDeploy (no
// traffic shifting locally) and EC2 networking. Each still gets what `Ref` and
// `Fn::GetAtt` of it return, so the resources that refer to it resolve as they would on AWS.
import { createHash } from 'node:crypto';
import { TemplateError } from './intrinsics';
import { arn, generatedName, type Provisioned, type ResourceContext, type ResourceType } from './resource';

/** How a checked type answers `Ref` and `Fn::GetAtt`, and what else its properties must satisfy. */
interface CheckedModel {
  required: string[];
  /** `Ref` and the attributes; default: a generated id and no attributes. */
  identify?(context: ResourceContext): { ref: string; attributes?: Record<string, unknown> };
  /** Problems beyond missing properties. */
  problems?(context: ResourceContext): string[];
}

const shortId = (context: ResourceContext, prefix: string) =>
  `${prefix}${createHash('sha256').update(`${context.env.stackName}/${context.logicalId}`).digest('hex').slice(0, 17)}`;

const name = (context: ResourceContext, property: string, maxLength: number) => {
  const value = context.properties[property];
  return typeof value === 'string' && value ? value : generatedName(context, maxLength);
};

function statementProblems(document: unknown, where: string, resourcePolicy: boolean): string[] {
  const statements = (document as { Statement?: unknown } | undefined)?.Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  if (list.length === 0) return [`${where} has no Statement`];
  const problems: string[] = [];
  list.forEach((statement: Record<string, unknown>, i) => {
    const at = `${where}.Statement[${i}]`;
    if (statement['Effect'] !== 'Allow' && statement['Effect'] !== 'Deny') problems.push(`${at}.Effect must be Allow or Deny`);
    if (!statement['Action'] && !statement['NotAction']) problems.push(`${at} has no Action`);
    if (resourcePolicy ? !statement['Principal'] && !statement['NotPrincipal'] : !statement['Resource'] && !statement['NotResource']) {
      problems.push(`${at} has no ${resourcePolicy ? 'Principal' : 'Resource'}`);
    }
  });
  return problems;
}

const policyDocument = (property: string, resourcePolicy: boolean) => (context: ResourceContext) =>
  statementProblems(context.properties[property], `${context.where}.Properties.${property}`, resourcePolicy);

const LOG_RETENTION_DAYS = new Set([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]);

const MODELS: Record<string, CheckedModel> = {
  'AWS::IAM::Role': {
    required: ['AssumeRolePolicyDocument'],
    identify: (c) => {
      const role = name(c, 'RoleName', 64);
      const rolePath = typeof c.properties['Path'] === 'string' ? (c.properties['Path'] as string) : '/';
      return { ref: role, attributes: { Arn: arn(c.env, 'iam', `role${rolePath}${role}`, ''), RoleId: shortId(c, 'AROA') } };
    },
    problems: (c) => [
      ...policyDocument('AssumeRolePolicyDocument', true)(c),
      ...((c.properties['Policies'] as { PolicyName?: string; PolicyDocument?: unknown }[] | undefined) ?? []).flatMap((policy, i) =>
        statementProblems(policy.PolicyDocument, `${c.where}.Properties.Policies[${i}].PolicyDocument`, false),
      ),
    ],
  },
  'AWS::IAM::Policy': { required: ['PolicyDocument', 'PolicyName'], problems: policyDocument('PolicyDocument', false) },
  'AWS::IAM::ManagedPolicy': {
    required: ['PolicyDocument'],
    identify: (c) => {
      const policyArn = arn(c.env, 'iam', `policy/${name(c, 'ManagedPolicyName', 128)}`, '');
      return { ref: policyArn, attributes: { PolicyArn: policyArn } };
    },
    problems: policyDocument('PolicyDocument', false),
  },
  'AWS::Logs::LogGroup': {
    required: [],
    identify: (c) => {
      const group = name(c, 'LogGroupName', 512);
      return { ref: group, attributes: { Arn: arn(c.env, 'logs', `log-group:${group}:*`) } };
    },
    problems: (c) => {
      const days = c.properties['RetentionInDays'];
      return days === undefined || LOG_RETENTION_DAYS.has(Number(days)) ? [] : [`${c.where}.Properties.RetentionInDays ${String(days)} is not a CloudWatch Logs retention period`];
    },
  },
  'AWS::CloudWatch::Alarm': {
    required: ['ComparisonOperator', 'EvaluationPeriods'],
    identify: (c) => {
      const alarm = name(c, 'AlarmName', 255);
      return { ref: alarm, attributes: { Arn: arn(c.env, 'cloudwatch', `alarm:${alarm}`) } };
    },
    problems: (c) => {
      const p = c.properties;
      const problems: string[] = [];
      if (!p['Metrics'] && (!p['MetricName'] || !p['Namespace'])) problems.push(`${c.where} needs MetricName and Namespace, or Metrics`);
      if (p['Threshold'] === undefined && !p['ThresholdMetricId']) problems.push(`${c.where} needs Threshold or ThresholdMetricId`);
      return problems;
    },
  },
  'AWS::SNS::Topic': {
    required: [],
    identify: (c) => {
      const topic = name(c, 'TopicName', 256);
      const topicArn = arn(c.env, 'sns', topic);
      return { ref: topicArn, attributes: { TopicArn: topicArn, TopicName: topic } };
    },
  },
  'AWS::SNS::Subscription': { required: ['Protocol', 'TopicArn'] },
  'AWS::SNS::TopicPolicy': { required: ['PolicyDocument', 'Topics'], problems: policyDocument('PolicyDocument', true) },
  'AWS::S3::BucketPolicy': { required: ['Bucket', 'PolicyDocument'], problems: policyDocument('PolicyDocument', true) },
  'AWS::SQS::QueuePolicy': { required: ['PolicyDocument', 'Queues'], problems: policyDocument('PolicyDocument', true) },
  'AWS::Lambda::Permission': { required: ['Action', 'FunctionName', 'Principal'] },
  'AWS::SecretsManager::ResourcePolicy': { required: ['ResourcePolicy', 'SecretId'], problems: policyDocument('ResourcePolicy', true) },
  'AWS::SecretsManager::RotationSchedule': { required: ['SecretId'] },
  'AWS::SecretsManager::SecretTargetAttachment': { required: ['SecretId', 'TargetId', 'TargetType'] },
  'AWS::ApiGatewayV2::Api': {
    required: ['Name', 'ProtocolType'],
    identify: (c) => {
      const id = shortId(c, '').slice(0, 10);
      return { ref: id, attributes: { ApiId: id, ApiEndpoint: `https://${id}.execute-api.${c.env.region}.amazonaws.com` } };
    },
  },
  'AWS::ApiGatewayV2::Stage': { required: ['ApiId', 'StageName'] },
  'AWS::ApiGatewayV2::Integration': { required: ['ApiId', 'IntegrationType'] },
  'AWS::ApiGatewayV2::Route': { required: ['ApiId', 'RouteKey'] },
  'AWS::CodeDeploy::Application': { required: [], identify: (c) => ({ ref: name(c, 'ApplicationName', 100) }) },
  'AWS::CodeDeploy::DeploymentGroup': { required: ['ApplicationName', 'ServiceRoleArn'], identify: (c) => ({ ref: name(c, 'DeploymentGroupName', 100) }) },
  'AWS::CodeDeploy::DeploymentConfig': { required: [], identify: (c) => ({ ref: name(c, 'DeploymentConfigName', 100) }) },
  'AWS::EC2::VPC': {
    required: [],
    identify: (c) => {
      const id = shortId(c, 'vpc-');
      return { ref: id, attributes: { VpcId: id, CidrBlock: c.properties['CidrBlock'], DefaultSecurityGroup: shortId(c, 'sg-'), CidrBlockAssociations: [], Ipv6CidrBlocks: [] } };
    },
  },
  'AWS::EC2::Subnet': {
    required: ['VpcId'],
    identify: (c) => {
      const id = shortId(c, 'subnet-');
      return { ref: id, attributes: { SubnetId: id, AvailabilityZone: c.properties['AvailabilityZone'] ?? `${c.env.region}a`, VpcId: c.properties['VpcId'] } };
    },
  },
  'AWS::EC2::SecurityGroup': {
    required: ['GroupDescription'],
    identify: (c) => {
      const id = shortId(c, 'sg-');
      return { ref: id, attributes: { GroupId: id, VpcId: c.properties['VpcId'] } };
    },
  },
  'AWS::EC2::SecurityGroupIngress': { required: ['IpProtocol'] },
  'AWS::EC2::SecurityGroupEgress': { required: ['GroupId', 'IpProtocol'] },
  'AWS::EC2::InternetGateway': { required: [], identify: (c) => ({ ref: shortId(c, 'igw-'), attributes: { InternetGatewayId: shortId(c, 'igw-') } }) },
  'AWS::EC2::VPCGatewayAttachment': { required: ['VpcId'] },
  'AWS::EC2::RouteTable': { required: ['VpcId'], identify: (c) => ({ ref: shortId(c, 'rtb-'), attributes: { RouteTableId: shortId(c, 'rtb-') } }) },
  'AWS::EC2::SubnetRouteTableAssociation': { required: ['RouteTableId', 'SubnetId'] },
  'AWS::EC2::Route': { required: ['RouteTableId'] },
  'AWS::EC2::EIP': { required: [], identify: (c) => ({ ref: '192.0.2.1', attributes: { AllocationId: shortId(c, 'eipalloc-'), PublicIp: '192.0.2.1' } }) },
  'AWS::EC2::NatGateway': { required: ['SubnetId'], identify: (c) => ({ ref: shortId(c, 'nat-') }) },
  'AWS::EC2::VPCEndpoint': { required: ['ServiceName', 'VpcId'], identify: (c) => ({ ref: shortId(c, 'vpce-'), attributes: { Id: shortId(c, 'vpce-'), DnsEntries: [] } }) },
  'AWS::EC2::FlowLog': { required: ['ResourceId', 'ResourceType'] },
  'AWS::RDS::DBSubnetGroup': { required: ['DBSubnetGroupDescription', 'SubnetIds'], identify: (c) => ({ ref: name(c, 'DBSubnetGroupName', 255).toLowerCase() }) },
  'AWS::RDS::DBInstance': {
    required: ['DBInstanceClass'],
    identify: (c) => {
      const id = name(c, 'DBInstanceIdentifier', 63).toLowerCase();
      const address = `${id}.${shortId(c, '').slice(0, 12)}.${c.env.region}.rds.amazonaws.com`;
      return { ref: id, attributes: { 'Endpoint.Address': address, 'Endpoint.Port': String(c.properties['Port'] ?? 5432), DbiResourceId: shortId(c, 'db-') } };
    },
  },
};

/**
 * Why each service's types are read and checked but not enforced locally, by the service part of the type
 * (`AWS::<service>::…`). A type of a service not listed here, and not made by the provisioner, is refused.
 */
export const NOT_ENFORCED_BECAUSE: Record<string, string> = {
  IAM: 'the local servers check no permissions: roles and policies are checked for statement shape only',
  Logs: 'functions log to the local Lambda server; retention is checked to be a CloudWatch period',
  CloudWatch: 'the local stack keeps no metrics: alarms are checked for metric, threshold and period',
  SNS: 'nothing publishes locally: alarm topics have no subscribers to reach',
  S3: 'bucket policies are resource policies, not enforced by the local S3',
  SQS: 'queue policies are resource policies, not enforced by the local SQS',
  SecretsManager: 'resource policies are not enforced and nothing rotates locally',
  Lambda: 'permissions are resource policies, not enforced by the local Lambda server',
  ApiGatewayV2: 'the API runs as a server of its own locally (npm start), not behind API Gateway',
  CodeDeploy: 'an alias moves at once locally, with no traffic shifting or CodeDeploy hooks: what gates it is the Custom::SmokeTest it depends on, which the local stack runs',
  EC2: 'the local stack has no network to place functions in: every function runs on loopback',
  RDS: "the local stack's database is PostgreSQL on loopback (the machine's, or npm start's embedded one), whose URL the database secret is seeded with",
};

/** The checked types, each as a {@link ResourceType} whose `apply` checks and answers but creates nothing. */
export const CHECKED_TYPES: Record<string, ResourceType> = Object.fromEntries(
  Object.entries(MODELS).map(([type, model]) => {
    if (!NOT_ENFORCED_BECAUSE[type.split('::')[1] as string]) throw new Error(`${type} is checked but NOT_ENFORCED_BECAUSE gives no reason`);
    return [
    type,
    {
      required: model.required,
      async apply(context: ResourceContext): Promise<Provisioned> {
        const problems = model.problems?.(context) ?? [];
        if (problems.length > 0) throw new TemplateError(problems.join('; '));
        const { ref, attributes = {} } = model.identify?.(context) ?? { ref: shortId(context, `${type.split('::')[2]?.toLowerCase()}-`) };
        return { physicalId: ref, attributes, outcome: 'checked' };
      },
    } satisfies ResourceType,
  ];
  }),
);
