// What runs during a deploy, before traffic moves, as CloudFormation custom resources backed by Lambda (one of each
// per new version, so a rollback or the clean-up of the previous one is a Delete, which does nothing):
// - `Custom::SmokeTest`: the function's smoke-test hook invokes the new version with its lambda.deploy.json smoke test;
//   the `live` alias depends on it, so a failing version never serves and the stack rolls back with `live` unmoved.
// - `Custom::DeployStep`: a function marked `deployStep` (the API's database migrations) is itself the service token:
//   CloudFormation invokes its new version, and every `live` alias and smoke test of the app waits for it.
// Why not a CodeDeploy pre-traffic hook: CloudFormation applies CodeDeployLambdaAliasUpdate only when an alias is
// updated, so a first deploy would go live unchecked and unmigrated; CodeDeploy also needs its own service role
// (AWS's managed one, or inline rights) and the hook a CodeDeploy client. A custom resource runs on create and update
// alike and needs nothing but the function itself.
import { type CfnResource, CustomResource, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DEFAULT_LOG_RETENTION_DAYS, DEFAULT_RUNTIME, DEFAULT_TIMEOUT_SECONDS, SMOKE_TEST_HOOK, type FunctionSpec } from '@bmx/deploy';
import type { Construct } from 'constructs';
import { smokeTestHookStatements, type ReasonedStatement } from './grants';

/** CDK ends a version's logical id with a 32-character hash of the function's code and configuration. */
const VERSION_HASH_LENGTH = 32;

/** Gives `resource` a logical id `<prefix><hash of version>`: a new resource for every new version. */
function oncePerVersion(resource: CustomResource, prefix: string, version: lambda.Version): void {
  const stack = Stack.of(resource);
  const versionResource = version.node.defaultChild as lambda.CfnVersion;
  (resource.node.defaultChild as CfnResource).overrideLogicalId(
    Lazy.uncachedString({ produce: () => `${prefix}${(stack.resolve(versionResource.logicalId) as string).slice(-VERSION_HASH_LENGTH)}` }),
  );
}

/** What the smoke-test hook of one function needs from its stack. */
export interface SmokeTestHookProps {
  fn: FunctionSpec;
  /** The construct id prefix of the function (`ImageJobRetry`). */
  id: string;
  version: lambda.Version;
  /** The hook's zip (`dist/apps/<app>/smoke-test-hook.zip`). */
  zip: string;
  /** Adds reasoned statements to a role (and acknowledges their narrowed wildcards). */
  grant(role: iam.Role, statements: ReasonedStatement[]): void;
}

/** The function's smoke-test hook (a function and role of its own) and the `Custom::SmokeTest` of its new version. */
export function smokeTest(scope: Construct, props: SmokeTestHookProps): CustomResource {
  const { fn, id, version } = props;
  const name = `${fn.name}-smoke-test`;
  const logGroup = new logs.LogGroup(scope, `${id}SmokeTestLogs`, { logGroupName: `/aws/lambda/${name}`, retention: fn.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS });
  const role = new iam.Role(scope, `${id}SmokeTestRole`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `${name}: invokes ${fn.name}'s versions, nothing else`,
  });
  props.grant(role, smokeTestHookStatements(Stack.of(scope), fn.name, logGroup.logGroupArn));
  const hook = new lambda.Function(scope, `${id}SmokeTestHook`, {
    functionName: name,
    description: `Smoke test of ${fn.name}'s new versions before its live alias moves`,
    code: lambda.Code.fromAsset(props.zip),
    handler: `index.${SMOKE_TEST_HOOK.export}`,
    runtime: new lambda.Runtime(DEFAULT_RUNTIME, lambda.RuntimeFamily.NODEJS),
    memorySize: SMOKE_TEST_HOOK.memorySize,
    // Room for the function's own longest run, which the smoke test may take.
    timeout: Duration.seconds(Math.min(900, (fn.timeout ?? DEFAULT_TIMEOUT_SECONDS) + 30)),
    role,
    logGroup,
  });
  const cfnHook = hook.node.defaultChild as lambda.CfnFunction;
  cfnHook.addMetadata('bmx:deployHook', 'smoke-test');
  cfnHook.addMetadata('bmx:hookFor', fn.id);
  hook.node.addDependency(role);
  const resource = new CustomResource(scope, `${id}SmokeTest`, {
    serviceToken: hook.functionArn,
    resourceType: 'Custom::SmokeTest',
    properties: { FunctionName: fn.name, Qualifier: version.version, EventJson: JSON.stringify(fn.smokeTest ?? { smoke_test: true }) },
    serviceTimeout: Duration.seconds(Math.min(3600, (fn.timeout ?? DEFAULT_TIMEOUT_SECONDS) + 120)),
  });
  oncePerVersion(resource, `${id}SmokeTest`, version);
  return resource;
}

/** The `Custom::DeployStep` running a `deployStep` function's new version once, before the app's traffic moves. */
export function deployStep(scope: Construct, fn: FunctionSpec, id: string, version: lambda.Version): CustomResource {
  const resource = new CustomResource(scope, `${id}DeployStep`, {
    serviceToken: version.functionArn,
    resourceType: 'Custom::DeployStep',
    properties: { FunctionName: fn.name, Qualifier: version.version },
    serviceTimeout: Duration.seconds(Math.min(3600, (fn.timeout ?? DEFAULT_TIMEOUT_SECONDS) + 120)),
  });
  oncePerVersion(resource, `${id}DeployStep`, version);
  return resource;
}
