// The JSON Schema of lambda.deploy.json, written with TypeBox (whose schemas are plain JSON Schema). loadDeployConfig
// validates every file against it; `lambda.deploy.schema.json` beside this package is the same schema written out for
// editors (`"$schema"` in each file), and a test keeps both, and the README's tables, in step with this one.
import { Type } from '@sinclair/typebox';

const VARIABLE_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
/** Names may hold `{env}`; a queue or function name is otherwise what AWS allows. */
const RESOURCE_NAME = '^[A-Za-z0-9_{}.-]{1,80}$';

/** The Lambda runtimes a function may declare: current Node.js LTS lines only (deprecated ones are refused). */
export const RUNTIMES = ['nodejs24.x', 'nodejs22.x'] as const;
export const DEFAULT_RUNTIME = 'nodejs24.x';

/** A function's timeout in seconds when its lambda.deploy.json gives none. */
export const DEFAULT_TIMEOUT_SECONDS = 30;
/** CloudWatch Logs' allowed retention periods, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
export const DEFAULT_LOG_RETENTION_DAYS = 30;
/** What `grants.imagesBucket` may hold, each mapped to its S3 actions by the infra project. */
export const BUCKET_ACCESS = ['read', 'write', 'delete', 'list'] as const;

const literals = <T extends readonly (string | number)[]>(values: T, options: { description: string; default?: T[number] }) =>
  Type.Unsafe<T[number]>(
    Type.Union(
      values.map((value) => Type.Literal(value)),
      options,
    ),
  );
const names = (description: string) => Type.Array(Type.String({ pattern: RESOURCE_NAME }), { uniqueItems: true, description });

export const ScheduleSchema = Type.Object(
  {
    expression: Type.String({ description: '`rate(…)`, `cron(6 fields)` or `at(yyyy-mm-ddThh:mm:ss)`' }),
    input: Type.Optional(Type.Unknown({ description: 'JSON sent as the event ({env} substituted)', default: {} })),
    timezone: Type.Optional(Type.String({ minLength: 1, description: 'IANA time zone the expression is read in', default: 'UTC' })),
    flexibleWindowMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, description: 'minutes Scheduler may run late' })),
    enabled: Type.Optional(Type.Boolean({ description: '`false` deploys it DISABLED', default: true })),
  },
  { additionalProperties: false },
);

export const SqsTriggerSchema = Type.Object(
  {
    queue: Type.String({ pattern: RESOURCE_NAME, description: 'queue name (its DLQ is `<queue>-dlq`)' }),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: 'records per invocation', default: 10 })),
    visibilityTimeoutSeconds: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 43200, description: 'queue visibility timeout (default 6 × the function timeout, at least 30); at least 6 × the timeout on AWS' }),
    ),
    maxReceiveCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'receives before a message moves to the DLQ', default: 3 })),
    maxConcurrency: Type.Optional(
      Type.Integer({ minimum: 2, maximum: 1000, description: 'most concurrent invocations the mapping starts (`ScalingConfig.MaximumConcurrency`)' }),
    ),
  },
  { additionalProperties: false },
);

export const GrantsSchema = Type.Object(
  {
    imagesBucket: Type.Optional(
      Type.Array(literals(BUCKET_ACCESS, { description: 'one kind of access' }), { uniqueItems: true, description: 'access to the environment\'s images bucket: `read`, `write`, `delete`, `list`' }),
    ),
    sendToQueues: Type.Optional(names('queues it sends to (SendMessage, GetQueueUrl)')),
    readQueueDepth: Type.Optional(names('queues whose depth, and their DLQ\'s, it reads (GetQueueAttributes, GetQueueUrl on `<queue>` and `<queue>-dlq`)')),
    changeVisibilityOnQueues: Type.Optional(names('queues whose messages it defers (ChangeMessageVisibility)')),
    invokeFunctions: Type.Optional(names('functions it invokes (any version or alias)')),
    getFunctions: Type.Optional(names('functions it reads with GetFunction (health checks)')),
  },
  { additionalProperties: false },
);

export const VpcSchema = Type.Object(
  {
    database: Type.Boolean({ description: 'runs in the environment\'s private subnets, allowed to the database port' }),
    internet: Type.Boolean({ description: 'may open HTTPS connections out (AWS APIs through the NAT, carriers\' APIs)' }),
  },
  { additionalProperties: false },
);

export const HttpSchema = Type.Object(
  {
    throttlingRateLimit: Type.Integer({ minimum: 1, description: 'steady requests per second on the `$default` stage' }),
    throttlingBurstLimit: Type.Integer({ minimum: 1, description: 'burst requests on the `$default` stage' }),
  },
  { additionalProperties: false },
);

export const FunctionSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9-]+$', description: 'short name, unique in the app; names the bundle' }),
    name: Type.String({ pattern: '^[A-Za-z0-9_{}-]{1,64}$', description: 'function name; `{env}` becomes the environment' }),
    entry: Type.String({ minLength: 1, description: 'handler module, relative to the app' }),
    export: Type.Optional(Type.String({ pattern: '^[A-Za-z_$][A-Za-z0-9_$]*$', description: 'exported handler', default: 'handler' })),
    memorySize: Type.Optional(Type.Integer({ minimum: 128, maximum: 10240, description: 'MB', default: 512 })),
    timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 900, description: 'seconds', default: DEFAULT_TIMEOUT_SECONDS })),
    runtime: Type.Optional(
      literals(RUNTIMES, { description: 'Lambda runtime: Node.js 24 is the current LTS; 22 reaches end of life in April 2027', default: DEFAULT_RUNTIME }),
    ),
    architecture: Type.Optional(
      literals(['x86_64', 'arm64'] as const, { description: 'instruction set (x86_64 matches the linux-x64 sharp binary shipped)', default: 'x86_64' }),
    ),
    logRetentionDays: Type.Optional(
      literals(LOG_RETENTION_DAYS, { description: "days CloudWatch keeps the function's log group", default: DEFAULT_LOG_RETENTION_DAYS }),
    ),
    environment: Type.Optional(Type.Record(Type.String({ pattern: VARIABLE_NAME }), Type.String(), { additionalProperties: false, description: 'variables (never secrets)' })),
    secrets: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Z][A-Z0-9_]*_SECRET_ARN$' }), Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), {
        additionalProperties: false,
        description: 'variable → secret name of the environment: the variable holds the secret\'s ARN, the function may read it',
      }),
    ),
    grants: Type.Optional(GrantsSchema),
    vpc: Type.Optional(VpcSchema),
    http: Type.Optional(HttpSchema),
    sqs: Type.Optional(SqsTriggerSchema),
    schedule: Type.Optional(ScheduleSchema),
    smokeTest: Type.Optional(Type.Unknown({ description: 'event sent to the new version before `live` moves', default: { smoke_test: true } })),
    nodeModules: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'packages shipped whole instead of bundled' })),
    budgetKiB: Type.Number({ exclusiveMinimum: 0, description: 'largest zip allowed' }),
    localOnly: Type.Optional(Type.Boolean({ description: 'deploy only to the local stack (`local`, `local-<id>`)', default: false })),
    deployStep: Type.Optional(
      Type.Boolean({ description: 'CloudFormation runs each new version once (a custom resource) before any `live` alias of the app moves: database migrations', default: false }),
    ),
  },
  { additionalProperties: false },
);

export const DeployFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    functions: Type.Array(FunctionSchema, { minItems: 1 }),
  },
  { additionalProperties: false, $schema: 'http://json-schema.org/draft-07/schema#', $id: 'https://bluemoxon.dev/schemas/lambda.deploy.json', title: 'lambda.deploy.json' },
);

/** The schema as the JSON file editors read (TypeBox's symbols dropped). */
export function deployFileJsonSchema(): unknown {
  return JSON.parse(JSON.stringify(DeployFileSchema));
}
