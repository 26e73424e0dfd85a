import { parseScheduleExpression, ScheduleExpressionError } from '@bmx/local-aws';
import { type Static } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DeployFileSchema, type FunctionSchema, type LOG_RETENTION_DAYS } from './schema';

/** An EventBridge Scheduler schedule whose target is the function's `live` alias. */
export interface ScheduleSpec {
  /** `rate(1 hour)`, `cron(0 6 ? * MON-FRI *)` or `at(2030-01-01T00:00:00)`, as Scheduler takes it. */
  expression: string;
  /** JSON sent as the function's event. Default `{}`. */
  input?: unknown;
  /** IANA time zone the expression is read in. Default UTC. */
  timezone?: string;
  /** Let Scheduler run up to this many minutes late (1–1440). Default: on time (`FlexibleTimeWindow` OFF). */
  flexibleWindowMinutes?: number;
  /** `false` deploys the schedule DISABLED. Default true. */
  enabled?: boolean;
}

/** An SQS queue triggering a function's `live` alias, with its dead-letter queue. */
export interface SqsTriggerSpec {
  /** Queue name; its DLQ is `<queue>-dlq`. */
  queue: string;
  /** Records per invocation (1–10). Default 10. */
  batchSize?: number;
  /** Queue visibility timeout in seconds. Default 6 × the function's timeout (at least 30); AWS stacks require ≥ 6 × timeout. */
  visibilityTimeoutSeconds?: number;
  /** Receives before a message moves to the DLQ. Default 3. */
  maxReceiveCount?: number;
  /** Most concurrent invocations the event-source mapping starts (2–1000). Default: Lambda's (no limit of its own). */
  maxConcurrency?: number;
}

/** What a function may do. Names may hold `{env}`. */
export interface GrantsSpec {
  /** Access to the environment's images bucket: `read` (GetObject, HeadObject), `write` (PutObject), `delete` (DeleteObject, DeleteObjects), `list` (ListBucket, HeadBucket). */
  imagesBucket?: ('read' | 'write' | 'delete' | 'list')[];
  /** Queues it sends to: SendMessage (batches too), GetQueueUrl. */
  sendToQueues?: string[];
  /** Queues whose depth it reads, and their DLQs' (`<queue>-dlq`): GetQueueAttributes, GetQueueUrl (deep health checks). */
  readQueueDepth?: string[];
  /** Queues whose in-flight messages it defers: ChangeMessageVisibility (its own trigger queue, typically). */
  changeVisibilityOnQueues?: string[];
  /** Functions it invokes (any version or alias). */
  invokeFunctions?: string[];
  /** Functions it reads with GetFunction (deep health checks). */
  getFunctions?: string[];
}

/** Where a function runs on AWS. */
export interface VpcSpec {
  /** Runs in the environment's private subnets with the security group the database admits. */
  database: boolean;
  /** May open HTTPS connections out: AWS APIs (through the NAT; no interface endpoints are made) and third parties. */
  internet: boolean;
}

/** The app's HTTP front door on AWS. */
export interface HttpSpec {
  /** Steady requests per second the `$default` stage allows. */
  throttlingRateLimit: number;
  /** Burst requests the `$default` stage allows. */
  throttlingBurstLimit: number;
}

/** One Lambda function of an app, as its `lambda.deploy.json` describes it. `{env}` in strings becomes the environment name. */
export interface FunctionSpec {
  /** Short id, unique in the app: names the bundle's folder under `dist/apps/<app>/`. */
  id: string;
  /** Function name, e.g. `bmx-{env}-image-processor`. */
  name: string;
  /** Handler module, relative to the app's folder. */
  entry: string;
  /** Exported handler function. Default `handler`. */
  export?: string;
  /** MB. Default 512. */
  memorySize?: number;
  /** Seconds. Default 30. */
  timeout?: number;
  /** Lambda runtime. Default `nodejs24.x` (Node.js 24, the current LTS; Node.js 22 reaches end of life in April 2027). */
  runtime?: 'nodejs24.x' | 'nodejs22.x';
  /** Instruction set. Default `x86_64` (the sharp binary shipped in the zips is linux-x64). */
  architecture?: 'x86_64' | 'arm64';
  /** Days CloudWatch keeps the function's log group (one of CloudWatch's periods). Default 30. */
  logRetentionDays?: (typeof LOG_RETENTION_DAYS)[number];
  /**
   * Environment variables set on the function. Never secrets: see `secrets`. `{imagesBucket}` becomes the
   * environment's images bucket name.
   */
  environment?: Record<string, string>;
  /**
   * Secrets by ARN: variable (ending `_SECRET_ARN`) → name of one of the environment's secrets (`database`,
   * `tracking-carriers`, …). On AWS the variable holds the secret's ARN and the function may read that secret only.
   */
  secrets?: Record<string, string>;
  /** What the function may do beyond writing its own logs; the infra project turns each into its IAM statements. */
  grants?: GrantsSpec;
  /** CloudFormation runs each new version once, as a custom resource, before any `live` alias of the app moves (migrations). */
  deployStep?: boolean;
  /** Network placement on AWS. Absent: outside any VPC (no database access). */
  vpc?: VpcSpec;
  /** The function is the app's HTTP front door: an HTTP API (payload 2.0, `$default` route) in front of `live`. */
  http?: HttpSpec;
  /** SQS trigger: the queue (created with its DLQ `<queue>-dlq`) and the mapping's settings. */
  sqs?: SqsTriggerSpec;
  /** EventBridge Scheduler schedule invoking the `live` alias. */
  schedule?: ScheduleSpec;
  /** Event the new version gets as its smoke test (the stack's `Custom::SmokeTest`) before `live` moves. Default `{ "smoke_test": true }`. */
  smokeTest?: unknown;
  /** Packages left out of the bundle and shipped whole in the zip's node_modules (native addons such as sharp). */
  nodeModules?: string[];
  /** Largest zip allowed, in KiB; the bundle step fails above it. */
  budgetKiB: number;
  /** Deployed only to the local stack's environments (a local stand-in for a function another repo owns). */
  localOnly?: boolean;
}

/** An app's deploy configuration. */
export interface DeployConfig {
  app: string;
  /** Absolute path of the app's folder. */
  appDir: string;
  functions: FunctionSpec[];
}

/** `schema.ts` and these interfaces describe the same file: each must accept exactly what the other does. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesTypes: Same<Static<typeof FunctionSchema>, FunctionSpec> = true;
void schemaMatchesTypes;

/** Placeholders a value may hold besides `{env}`, with what they are on the local stack. */
export interface ResourceNames {
  /** `{imagesBucket}`: the environment's images bucket. */
  imagesBucket: string;
}

/** The images bucket's name on the local stack (environments.json's `imagesBucketName` for local environments). */
export const localResourceNames = (envName: string): ResourceNames => ({ imagesBucket: `bmx-${envName}-images` });

/**
 * True for the local stack's environments: `local` (what `npm start` runs), and `local-<id>`, the throw-away copies
 * of it that tests deploy into (tools/infra derives their settings from `local`'s), so their resource names never meet.
 */
export function isLocalEnvironment(envName: string): boolean {
  return envName === 'local' || /^local-[a-z0-9]+$/.test(envName);
}

/**
 * What a test deploy changes in an app before its stack is built (by the same code as every stack): `only` keeps
 * just those function ids; `overrides`, per function id, merge `environment` into the function's own and replace
 * `memorySize`, `timeout` and `schedule` (a test that fires the schedule itself deploys it `enabled: false`).
 */
export interface DeployVariant {
  only?: string[];
  overrides?: Record<string, Partial<Pick<FunctionSpec, 'environment' | 'memorySize' | 'timeout' | 'schedule'>>>;
}

/** The config with `variant` applied; a function id the app does not have (in this environment) is an error. */
export function applyVariant(config: DeployConfig, variant: DeployVariant = {}): DeployConfig {
  const overrides = variant.overrides ?? {};
  for (const id of [...(variant.only ?? []), ...Object.keys(overrides)]) {
    if (!config.functions.some((fn) => fn.id === id)) throw new Error(`${config.app} has no function "${id}" in this environment (it has ${config.functions.map((fn) => fn.id).join(', ')})`);
  }
  return {
    ...config,
    functions: config.functions
      .filter((fn) => !variant.only || variant.only.includes(fn.id))
      .map((fn) => {
        const override = overrides[fn.id];
        return override ? { ...fn, ...override, environment: { ...(fn.environment ?? {}), ...(override.environment ?? {}) } } : fn;
      }),
  };
}

/** One line per problem: where in the file, and what is wrong in words that say what to write instead. */
function schemaErrors(value: unknown): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const error of Value.Errors(DeployFileSchema, value)) {
    const where = error.path
      .split('/')
      .slice(1)
      .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
      .join('')
      .replace(/^\./, '');
    if (seen.has(where)) continue;
    seen.add(where);
    const schema = error.schema as { anyOf?: { const?: unknown }[]; pattern?: string; description?: string };
    let message = error.message;
    if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      const parent = error.path.split('/').slice(0, -1).join('/');
      const { properties, patternProperties } = schemaAt(parent);
      const expected = properties ? Object.keys(properties).join(', ') : `names matching ${Object.keys(patternProperties ?? {}).join(' or ')}`;
      lines.push(`${where.replace(/\.[^.[]+$/, '')} has unknown field ${error.path.split('/').pop()}; expected ${expected}`);
      continue;
    }
    if (schema.anyOf?.every((option) => option.const !== undefined)) message = `must be one of ${schema.anyOf.map((option) => JSON.stringify(option.const)).join(', ')}`;
    else if (error.type === ValueErrorType.StringPattern) message = `must match ${schema.pattern}`;
    else if (error.type === ValueErrorType.ObjectRequiredProperty) message = 'is required';
    const got = error.value === undefined ? '' : ` (got ${JSON.stringify(error.value)})`;
    lines.push(`${where || '(file)'}: ${message}${got}${schema.description ? ` — ${schema.description}` : ''}`);
  }
  return lines;
}

/** The sub-schema describing the object at a JSON pointer of a deploy file (array items and optional wrappers followed). */
function schemaAt(pointer: string): { properties?: Record<string, unknown>; patternProperties?: Record<string, unknown> } {
  let schema = DeployFileSchema as unknown as { properties?: Record<string, unknown>; patternProperties?: Record<string, unknown>; items?: unknown };
  for (const part of pointer.split('/').slice(1)) {
    schema = (/^\d+$/.test(part) ? schema.items : schema.properties?.[part]) as typeof schema;
  }
  return schema ?? {};
}

function substitute<T>(value: T, env: string, resources: ResourceNames): T {
  const text = JSON.stringify(value)
    .replace(/\{imagesBucket\}/g, resources.imagesBucket)
    .replace(/\{env\}/g, env);
  return JSON.parse(text) as T;
}

/**
 * Reads `<appDir>/lambda.deploy.json`, validates it against its JSON Schema (`schema.ts`; every problem listed with
 * the file and the field), checks what a schema cannot say (unique ids, schedule expressions), substitutes `{env}` and
 * `{imagesBucket}` (`resources`, default the local deployer's names), and leaves out `localOnly` functions unless the
 * environment is a local one ({@link isLocalEnvironment}; `ENV` is the bundle step's placeholder).
 */
export function loadDeployConfig(appDir: string, envName: string, resources: ResourceNames = localResourceNames(envName)): DeployConfig {
  const file = path.join(appDir, 'lambda.deploy.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { functions: FunctionSpec[] };
  const problems = schemaErrors(raw);
  if (problems.length > 0) throw new Error(`${file}:\n  ${problems.join('\n  ')}`);
  const ids = new Set<string>();
  for (const [i, fn] of raw.functions.entries()) {
    if (ids.has(fn.id)) throw new Error(`${file}: functions[${i}].id "${fn.id}" is used twice`);
    ids.add(fn.id);
    if (fn.schedule) {
      try {
        parseScheduleExpression(fn.schedule.expression);
      } catch (error) {
        if (error instanceof ScheduleExpressionError) throw new Error(`${file}: functions[${i}].schedule.expression: ${error.message}`);
        throw error;
      }
    }
  }
  const functions = substitute(raw.functions, envName, resources).filter((fn) => !fn.localOnly || isLocalEnvironment(envName) || envName === 'ENV');
  return { app: path.basename(appDir), appDir, functions };
}
