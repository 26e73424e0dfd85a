// A function's `grants` (and `secrets`, `sqs`, `vpc`) as IAM: the one mapping from lambda.deploy.json to actions.
// The least-privilege test reads the same tables to check each bundle's AWS SDK commands against the role.
import { ArnFormat, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { FunctionSpec } from '@bmx/deploy';

/** Actions per `grants.imagesBucket` entry; object actions apply to `<bucket>/*`, `list` to the bucket. */
export const BUCKET_ACTIONS = {
  read: ['s3:GetObject'],
  write: ['s3:PutObject'],
  delete: ['s3:DeleteObject'],
  list: ['s3:ListBucket'],
} as const;
export const SEND_TO_QUEUE_ACTIONS = ['sqs:SendMessage', 'sqs:GetQueueUrl'];
/** Reading a queue's depth (on the queue and its `<queue>-dlq`). */
export const READ_QUEUE_DEPTH_ACTIONS = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];
export const CHANGE_VISIBILITY_ACTIONS = [
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueUrl',
];
/** What Lambda's poller does with the function's role on its trigger queue (not the function's code). */
export const TRIGGER_QUEUE_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
];
export const INVOKE_ACTIONS = ['lambda:InvokeFunction'];
export const GET_FUNCTION_ACTIONS = ['lambda:GetFunction'];
export const READ_SECRET_ACTIONS = ['secretsmanager:GetSecretValue'];
/** Writing the function's own log group (Lambda's runtime does this, not the code). */
export const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/**
 * The only actions granted on `Resource: "*"`, each with why. Lambda creates and removes the network interfaces of a
 * function in a VPC with the function's own role; EC2 does not support resource-level permissions for
 * Describe* and Lambda needs the others before any interface or subnet id exists (AWS's own
 * AWSLambdaVPCAccessExecutionRole grants them on "*" for that reason).
 */
export const WILDCARD_RESOURCE_ACTIONS: Record<string, string> = {
  'ec2:DescribeNetworkInterfaces':
    'EC2 Describe* actions have no resource-level permissions',
  'ec2:CreateNetworkInterface':
    "Lambda creates the VPC function's interfaces before their ids exist",
  'ec2:DeleteNetworkInterface':
    'Lambda removes interfaces it created, whose ids are not known at deploy time',
  'ec2:AssignPrivateIpAddresses':
    'applies to those same not-yet-known interfaces',
  'ec2:UnassignPrivateIpAddresses':
    'applies to those same not-yet-known interfaces',
};

/**
 * The IAM actions each AWS SDK command a function's code sends needs (Service Authorization Reference), for the
 * least-privilege test: the commands in a bundle must need exactly what its role grants for its code. A command
 * missing here fails that test until it is added.
 */
export const SDK_COMMAND_ACTIONS: Record<string, readonly string[]> = {
  GetObjectCommand: ['s3:GetObject'],
  HeadObjectCommand: ['s3:GetObject'],
  PutObjectCommand: ['s3:PutObject'],
  DeleteObjectCommand: ['s3:DeleteObject'],
  DeleteObjectsCommand: ['s3:DeleteObject'],
  HeadBucketCommand: ['s3:ListBucket'],
  ListObjectsV2Command: ['s3:ListBucket'],
  SendMessageCommand: ['sqs:SendMessage'],
  SendMessageBatchCommand: ['sqs:SendMessage'],
  GetQueueUrlCommand: ['sqs:GetQueueUrl'],
  GetQueueAttributesCommand: ['sqs:GetQueueAttributes'],
  ChangeMessageVisibilityCommand: ['sqs:ChangeMessageVisibility'],
  InvokeCommand: ['lambda:InvokeFunction'],
  GetFunctionCommand: ['lambda:GetFunction'],
  GetSecretValueCommand: ['secretsmanager:GetSecretValue'],
};

/** Statement ids of what Lambda itself does with a function's role (logs, polling its queue, VPC interfaces), not its code. */
export const SERVICE_STATEMENT_IDS = ['OwnLogs', 'TriggerQueue', 'VpcNetworkInterfaces'] as const;

/** ARNs of what a function's grants name, resolved in the stack the role lives in. */
export interface GrantTargets {
  imagesBucketArn: string;
  logGroupArn: string;
  secretArn: (name: string) => string;
}

const queueArn = (stack: Stack, name: string) =>
  stack.formatArn({ service: 'sqs', resource: name });
const functionArns = (stack: Stack, name: string) => {
  const arn = stack.formatArn({
    service: 'lambda',
    resource: 'function',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  return { arn, qualified: `${arn}:*` };
};

/** A statement of a function's role, with why its wildcard resources (if any) are as narrow as they can be. */
export interface ReasonedStatement {
  statement: iam.PolicyStatement;
  /** Why a `*` in its resources is needed; absent when it has none. */
  wildcardReason?: string;
}

const BUCKET_OBJECTS_REASON = 'every object of the images bucket: the photos of any book (books/...) are the data this function works on';
const ANY_VERSION_REASON = 'any version or alias of that one function (callers invoke its live alias)';
const LOG_STREAMS_REASON = "the log streams of the function's own log group";

/** Every statement of a function's role: its grants, secrets, trigger queue, VPC interfaces and logs. */
export function functionStatements(stack: Stack, fn: FunctionSpec, targets: GrantTargets, inVpc: boolean): ReasonedStatement[] {
  const statements: ReasonedStatement[] = [];
  const add = (sid: string, actions: readonly string[], resources: string[], wildcardReason?: string) =>
    statements.push({ statement: new iam.PolicyStatement({ sid, actions: [...actions], resources }), wildcardReason });
  add('OwnLogs', LOG_ACTIONS, [targets.logGroupArn], LOG_STREAMS_REASON);
  const grants = fn.grants ?? {};
  const bucketAccess = grants.imagesBucket ?? [];
  const objectActions = bucketAccess.filter((access) => access !== 'list').flatMap((access) => BUCKET_ACTIONS[access]);
  if (objectActions.length > 0) add('ImagesObjects', objectActions, [`${targets.imagesBucketArn}/*`], BUCKET_OBJECTS_REASON);
  if (bucketAccess.includes('list')) add('ImagesList', BUCKET_ACTIONS.list, [targets.imagesBucketArn]);
  if (grants.sendToQueues?.length) add('SendToQueues', SEND_TO_QUEUE_ACTIONS, grants.sendToQueues.map((name) => queueArn(stack, name)));
  if (grants.readQueueDepth?.length) {
    add('ReadQueueDepth', READ_QUEUE_DEPTH_ACTIONS, grants.readQueueDepth.flatMap((name) => [queueArn(stack, name), queueArn(stack, `${name}-dlq`)]));
  }
  if (grants.changeVisibilityOnQueues?.length) {
    add('ChangeVisibility', CHANGE_VISIBILITY_ACTIONS, grants.changeVisibilityOnQueues.map((name) => queueArn(stack, name)));
  }
  if (fn.sqs) add('TriggerQueue', TRIGGER_QUEUE_ACTIONS, [queueArn(stack, fn.sqs.queue)]);
  if (grants.invokeFunctions?.length) {
    add('Invoke', INVOKE_ACTIONS, grants.invokeFunctions.flatMap((name) => Object.values(functionArns(stack, name))), ANY_VERSION_REASON);
  }
  if (grants.getFunctions?.length) add('GetFunction', GET_FUNCTION_ACTIONS, grants.getFunctions.map((name) => functionArns(stack, name).arn));
  const secrets = [...new Set(Object.values(fn.secrets ?? {}))];
  if (secrets.length > 0) add('ReadSecrets', READ_SECRET_ACTIONS, secrets.map(targets.secretArn));
  if (inVpc) {
    const actions = Object.keys(WILDCARD_RESOURCE_ACTIONS);
    add('VpcNetworkInterfaces', actions, ['*'], actions.map((action) => `${action}: ${WILDCARD_RESOURCE_ACTIONS[action]}`).join('; '));
  }
  return statements;
}

const TESTED_VERSIONS_REASON = 'any version of the one function this hook smoke-tests: each deploy tests a new one';

/** The smoke-test hook's role: its own logs, and invoking the versions of the one function it tests. */
export function smokeTestHookStatements(stack: Stack, functionName: string, logGroupArn: string): ReasonedStatement[] {
  return [
    { statement: new iam.PolicyStatement({ sid: 'OwnLogs', actions: LOG_ACTIONS, resources: [logGroupArn] }), wildcardReason: LOG_STREAMS_REASON },
    { statement: new iam.PolicyStatement({ sid: 'InvokeTestedVersions', actions: INVOKE_ACTIONS, resources: [functionArns(stack, functionName).qualified] }), wildcardReason: TESTED_VERSIONS_REASON },
  ];
}
