import { parseScheduleExpression, ScheduleExpressionError } from '@bmx/local-aws';
import { readFileSync } from 'node:fs';
import path from 'node:path';

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
  /** Environment variables set on the function (no secrets: those come from the deployer's environment, see `passEnv`). */
  environment?: Record<string, string>;
  /** Names of variables copied from the deployer's environment at deploy time (e.g. DATABASE_URL); each must be set. */
  passEnv?: string[];
  /** Like `passEnv`, but copied only when set (optional credentials, such as a carrier's API key). */
  optionalPassEnv?: string[];
  /**
   * Groups of alternatives, e.g. `[["DATABASE_URL", "DATABASE_SECRET_ARN"]]`: each variable is copied when set, and at
   * least one of every group must be set (in the deployer's environment or the deploy's `extraEnv`).
   */
  passEnvOneOf?: string[][];
  /** SQS trigger: the queue (created with its DLQ when missing) and the mapping's settings. */
  sqs?: { queue: string; batchSize?: number; visibilityTimeoutSeconds?: number; maxReceiveCount?: number };
  /** EventBridge Scheduler schedule invoking the `live` alias. */
  schedule?: ScheduleSpec;
  /** Event sent by the post-deploy smoke test. Default `{ "smoke_test": true }`. */
  smokeTest?: unknown;
  /** Packages left out of the bundle and shipped whole in the zip's node_modules (native addons such as sharp). */
  nodeModules?: string[];
  /** Largest zip allowed, in KiB; the bundle step fails above it. */
  budgetKiB: number;
  /** Deployed only to the `local` environment (a local stand-in for a function another repo owns). */
  localOnly?: boolean;
}

/** An app's deploy configuration. */
export interface DeployConfig {
  app: string;
  /** Absolute path of the app's folder. */
  appDir: string;
  functions: FunctionSpec[];
}

const SCHEDULE_FIELDS = new Set(['expression', 'input', 'timezone', 'flexibleWindowMinutes', 'enabled']);

/** Checks a function's `schedule`; throws with the file, the function and what is wrong. */
function checkSchedule(where: string, schedule: unknown): void {
  if (schedule === undefined) return;
  if (typeof schedule !== 'object' || schedule === null || Array.isArray(schedule)) throw new Error(`${where}.schedule must be an object`);
  const spec = schedule as Record<string, unknown>;
  const unknown = Object.keys(spec).filter((key) => !SCHEDULE_FIELDS.has(key));
  if (unknown.length > 0) {
    throw new Error(`${where}.schedule has unknown field(s) ${unknown.join(', ')}; expected ${[...SCHEDULE_FIELDS].join(', ')} (e.g. {"expression": "rate(1 hour)"})`);
  }
  if (typeof spec['expression'] !== 'string') throw new Error(`${where}.schedule.expression is required, e.g. "rate(1 hour)"`);
  try {
    parseScheduleExpression(spec['expression']);
  } catch (error) {
    if (error instanceof ScheduleExpressionError) throw new Error(`${where}.schedule.expression: ${error.message}`);
    throw error;
  }
  const window = spec['flexibleWindowMinutes'];
  if (window !== undefined && !(Number.isInteger(window) && (window as number) >= 1 && (window as number) <= 1440)) {
    throw new Error(`${where}.schedule.flexibleWindowMinutes must be an integer from 1 to 1440`);
  }
  if (spec['timezone'] !== undefined && (typeof spec['timezone'] !== 'string' || !spec['timezone'])) throw new Error(`${where}.schedule.timezone must be a time zone name`);
  if (spec['enabled'] !== undefined && typeof spec['enabled'] !== 'boolean') throw new Error(`${where}.schedule.enabled must be true or false`);
}

function checkPassEnvOneOf(where: string, groups: unknown): void {
  if (groups === undefined) return;
  const valid =
    Array.isArray(groups) &&
    groups.every((group) => Array.isArray(group) && group.length > 0 && group.every((name) => typeof name === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)));
  if (!valid) throw new Error(`${where}.passEnvOneOf must be a list of non-empty lists of variable names, e.g. [["DATABASE_URL", "DATABASE_SECRET_ARN"]]`);
}

/**
 * A function's environment at deploy time: its `environment`, `passEnv` (each must be set in `env`), `optionalPassEnv`
 * and `passEnvOneOf` copied from `env`, then `extraEnv`. Throws naming the function and the variables when a `passEnv`
 * variable is missing or no variable of a `passEnvOneOf` group is set.
 */
export function functionEnvironment(fn: FunctionSpec, env: NodeJS.ProcessEnv, extraEnv: Record<string, string> = {}): Record<string, string> {
  const environment: Record<string, string> = { ...(fn.environment ?? {}) };
  for (const name of fn.passEnv ?? []) {
    const value = env[name];
    if (value === undefined) throw new Error(`${fn.name}: ${name} must be set in the deployer's environment`);
    environment[name] = value;
  }
  for (const name of [...(fn.optionalPassEnv ?? []), ...(fn.passEnvOneOf ?? []).flat()]) {
    const value = env[name];
    if (value !== undefined) environment[name] = value;
  }
  Object.assign(environment, extraEnv);
  for (const group of fn.passEnvOneOf ?? []) {
    if (!group.some((name) => environment[name]?.trim())) {
      throw new Error(`${fn.name}: set ${group.length === 1 ? group[0] : `one of ${group.join(', ')}`} in the deployer's environment`);
    }
  }
  return environment;
}

function substitute<T>(value: T, env: string): T {
  return JSON.parse(JSON.stringify(value).replace(/\{env\}/g, env)) as T;
}

/**
 * Reads `<appDir>/lambda.deploy.json`, substitutes `{env}`, checks each function's id, name, entry, budget and schedule,
 * and leaves out `localOnly` functions unless the environment is `local` (`ENV` is the bundle step's placeholder).
 */
export function loadDeployConfig(appDir: string, envName: string): DeployConfig {
  const file = path.join(appDir, 'lambda.deploy.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { functions?: FunctionSpec[] };
  if (!Array.isArray(raw.functions) || raw.functions.length === 0) throw new Error(`${file}: "functions" must be a non-empty array`);
  const ids = new Set<string>();
  for (const [i, fn] of raw.functions.entries()) {
    if (!fn.id || !fn.name || !fn.entry) throw new Error(`${file}: functions[${i}] needs "id", "name" and "entry"`);
    if (!/^[a-z0-9-]+$/.test(fn.id) || ids.has(fn.id)) throw new Error(`${file}: functions[${i}].id must be unique lowercase letters, digits, dashes`);
    if (!(typeof fn.budgetKiB === 'number' && fn.budgetKiB > 0)) throw new Error(`${file}: functions[${i}].budgetKiB must be a positive number`);
    checkSchedule(`${file}: functions[${i}]`, fn.schedule);
    checkPassEnvOneOf(`${file}: functions[${i}]`, fn.passEnvOneOf);
    ids.add(fn.id);
  }
  const functions = substitute(raw.functions, envName).filter((fn) => !fn.localOnly || envName === 'local' || envName === 'ENV');
  return { app: path.basename(appDir), appDir, functions };
}
