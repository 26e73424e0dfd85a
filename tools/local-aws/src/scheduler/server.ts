import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, readBody, sendJson } from '../http';
import { ACCOUNT_ID } from '../lambda/registry';
import type { InvocationOutcome } from '../lambda/runner';
import { parseScheduleExpression, ScheduleExpressionError, type ScheduleExpression } from './expression';
import { isTimeZone, readSecondsPerMinute, wallTimeToEpochMs } from './time';

/** Invokes a Lambda function in process (the local Lambda server's `invoke`). */
export type ScheduleInvoke = (
  functionName: string,
  event: unknown,
  qualifier?: string,
) => Promise<InvocationOutcome & { executedVersion?: string }>;

/** Options for {@link startSchedulerServer}. */
export interface SchedulerServerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  region: string;
  /** How a schedule reaches its Lambda target. */
  invoke: ScheduleInvoke;
  /** Real seconds one schedule minute lasts. Default: `LOCAL_SCHEDULER_SECONDS_PER_MINUTE`, else 60 (real time). */
  secondsPerMinute?: number;
  log?: (line: string) => void;
}

/** What one schedule run did: the answer of its target. */
export interface ScheduleRun {
  ScheduleArn: string;
  TargetArn: string;
  /** The function version that ran (an alias target resolves to the version it points at). */
  ExecutedVersion?: string;
  /** Set when the invocation failed: the error type, as Lambda's `X-Amz-Function-Error` would report it. */
  FunctionError?: string;
  /** The function's answer, or `{errorType, errorMessage}` when it failed. */
  Payload: unknown;
}

export interface SchedulerServer {
  readonly url: string;
  /** Real seconds per schedule minute this server runs with. */
  readonly secondsPerMinute: number;
  /** Runs a schedule's target now, whatever its expression and state, and resolves with the target's answer. */
  fire(name: string, groupName?: string): Promise<ScheduleRun>;
  close(): Promise<void>;
}

/** A Scheduler error: its type becomes the `x-amzn-ErrorType` header, as restJson1 services send it. */
class SchedulerError extends Error {
  constructor(
    readonly statusCode: number,
    readonly type: 'ValidationException' | 'ResourceNotFoundException' | 'ConflictException' | 'UnknownOperationException',
    message: string,
  ) {
    super(message);
  }
}

const validation = (message: string) => new SchedulerError(400, 'ValidationException', message);

interface Target {
  Arn: string;
  RoleArn: string;
  Input?: string;
  RetryPolicy?: unknown;
  DeadLetterConfig?: unknown;
}

/** A schedule as GetSchedule returns it (dates in epoch seconds, as restJson1 sends timestamps). */
interface ScheduleDefinition {
  Arn: string;
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  StartDate?: number;
  EndDate?: number;
  Description?: string;
  State: 'ENABLED' | 'DISABLED';
  KmsKeyArn?: string;
  Target: Target;
  FlexibleTimeWindow: { Mode: 'OFF' | 'FLEXIBLE'; MaximumWindowInMinutes?: number };
  ActionAfterCompletion: 'NONE' | 'DELETE';
  CreationDate: number;
  LastModificationDate: number;
}

interface StoredSchedule {
  definition: ScheduleDefinition;
  expression: ScheduleExpression;
  /** Rate schedules run at anchor + k × period: the start date, else the creation time. */
  anchorMs: number;
  lastFiredMs?: number;
  timer?: NodeJS.Timeout;
}

const DEFAULT_GROUP = 'default';
const NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::([$A-Za-z0-9_-]+))?$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
/** setTimeout's largest delay (about 24.8 days); longer waits are taken in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;
const MAX_BODY = 1024 * 1024;

/** Reads a request body that must be a JSON object; an empty body is `{}`. */
async function readObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req, MAX_BODY, (limit) => validation(`Request must be smaller than ${limit} bytes`));
  if (raw.length === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    body = undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw validation('Could not parse the request body as a JSON object');
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max) throw validation(`${field} must be a string of at most ${max} characters`);
  return value;
}

function optionalEpochSeconds(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw validation(`${field} must be a timestamp`);
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (!allowed.includes(value as T)) throw validation(`${field} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function parseTarget(value: unknown): Target {
  if (typeof value !== 'object' || value === null) throw validation('Target is required');
  const target = value as Record<string, unknown>;
  const arn = target['Arn'];
  const roleArn = target['RoleArn'];
  if (typeof arn !== 'string' || !arn) throw validation('Target.Arn is required');
  if (typeof roleArn !== 'string' || !roleArn) throw validation('Target.RoleArn is required');
  if (!ROLE_ARN.test(roleArn)) throw validation(`Target.RoleArn is not an IAM role ARN: ${roleArn}`);
  if (!LAMBDA_ARN.test(arn)) {
    throw validation(`The local scheduler invokes Lambda function targets only (arn:aws:lambda:…:function:name[:qualifier]); got ${arn}`);
  }
  const input = optionalString(target, 'Input', 8192);
  return {
    Arn: arn,
    RoleArn: roleArn,
    ...(input !== undefined ? { Input: input } : {}),
    ...(target['RetryPolicy'] !== undefined ? { RetryPolicy: target['RetryPolicy'] } : {}),
    ...(target['DeadLetterConfig'] !== undefined ? { DeadLetterConfig: target['DeadLetterConfig'] } : {}),
  };
}

function parseWindow(value: unknown): ScheduleDefinition['FlexibleTimeWindow'] {
  if (typeof value !== 'object' || value === null) throw validation('FlexibleTimeWindow is required');
  const window = value as Record<string, unknown>;
  const mode = oneOf(window['Mode'], 'FlexibleTimeWindow.Mode', ['OFF', 'FLEXIBLE'] as const, 'OFF');
  if (window['Mode'] === undefined) throw validation('FlexibleTimeWindow.Mode is required');
  const max = window['MaximumWindowInMinutes'];
  if (mode === 'OFF') {
    if (max !== undefined && max !== null) throw validation('MaximumWindowInMinutes is allowed only with FlexibleTimeWindow.Mode FLEXIBLE');
    return { Mode: 'OFF' };
  }
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 1440) {
    throw validation('FlexibleTimeWindow.MaximumWindowInMinutes must be an integer from 1 to 1440 when Mode is FLEXIBLE');
  }
  return { Mode: 'FLEXIBLE', MaximumWindowInMinutes: max };
}

/**
 * Starts an EventBridge Scheduler-compatible server on 127.0.0.1 speaking the service's REST-JSON protocol, so
 * `@aws-sdk/client-scheduler` works against it: CreateSchedule, UpdateSchedule, GetSchedule, DeleteSchedule and
 * ListSchedules in the `default` group. `rate()` and `at()` schedules run their Lambda targets through `invoke`;
 * rates run on a time scale (`secondsPerMinute`), and `POST /local/schedules/{Name}/fire` runs one now.
 */
export async function startSchedulerServer(options: SchedulerServerOptions): Promise<SchedulerServer> {
  const log = options.log ?? (() => undefined);
  const secondsPerMinute = options.secondsPerMinute ?? readSecondsPerMinute();
  if (!(secondsPerMinute > 0)) throw new Error(`secondsPerMinute must be positive, got ${secondsPerMinute}`);
  const schedules = new Map<string, StoredSchedule>();
  const background = new Set<Promise<unknown>>();
  const key = (group: string, name: string) => `${group}/${name}`;
  const arnOf = (group: string, name: string) => `arn:aws:scheduler:${options.region}:${ACCOUNT_ID}:schedule/${group}/${name}`;

  function lookup(name: string, group: string | null | undefined): StoredSchedule {
    const stored = schedules.get(key(group || DEFAULT_GROUP, name));
    if (!stored) throw new SchedulerError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return stored;
  }

  async function run(stored: StoredSchedule): Promise<ScheduleRun> {
    const { Target: target, Arn } = stored.definition;
    const base = { ScheduleArn: Arn, TargetArn: target.Arn };
    const [, functionName, qualifier] = LAMBDA_ARN.exec(target.Arn) as unknown as [string, string, string | undefined];
    let event: unknown = {};
    if (target.Input !== undefined) {
      try {
        event = JSON.parse(target.Input);
      } catch {
        const error = { errorType: 'InvalidRequestContentException', errorMessage: 'Target.Input is not JSON, which a Lambda target needs' };
        return { ...base, FunctionError: error.errorType, Payload: error };
      }
    }
    try {
      const outcome = await options.invoke(functionName, event, qualifier);
      const version = outcome.executedVersion !== undefined ? { ExecutedVersion: outcome.executedVersion } : {};
      if (outcome.ok) return { ...base, ...version, Payload: outcome.payload };
      return { ...base, ...version, FunctionError: outcome.error.errorType, Payload: outcome.error };
    } catch (error) {
      // The function or alias is missing: Scheduler only finds out when it invokes, as here.
      const errorType = (error as { type?: string }).type ?? (error as Error).name;
      return { ...base, FunctionError: errorType, Payload: { errorType, errorMessage: (error as Error).message } };
    }
  }

  function nextRunMs(stored: StoredSchedule, now: number): number | undefined {
    const { definition, expression } = stored;
    let next: number | undefined;
    if (expression.kind === 'rate') {
      const period = expression.minutes * secondsPerMinute * 1000;
      next = stored.anchorMs + Math.max(0, Math.ceil((now - stored.anchorMs) / period)) * period;
      if (stored.lastFiredMs !== undefined && next <= stored.lastFiredMs) next += period;
    } else if (expression.kind === 'at') {
      const at = wallTimeToEpochMs(expression.dateTime, definition.ScheduleExpressionTimezone ?? 'UTC');
      next = stored.lastFiredMs === undefined && at >= now - 1000 ? at : undefined;
    }
    if (next !== undefined && definition.EndDate !== undefined && next > definition.EndDate * 1000) return undefined;
    return next;
  }

  function arm(stored: StoredSchedule): void {
    clearTimeout(stored.timer);
    stored.timer = undefined;
    if (stored.definition.State !== 'ENABLED') return;
    const now = Date.now();
    const next = nextRunMs(stored, now);
    if (next === undefined) return;
    stored.timer = setTimeout(() => {
      stored.timer = undefined;
      if (Date.now() < next) return arm(stored); // a wait longer than setTimeout allows, taken in steps
      stored.lastFiredMs = next;
      const { Name, GroupName } = stored.definition;
      const running = run(stored).then((result) => {
        if (result.FunctionError) log(`schedule ${Name}: ${result.FunctionError} ${JSON.stringify(result.Payload)}`);
      });
      background.add(running);
      void running.finally(() => background.delete(running));
      if (stored.expression.kind === 'at' && stored.definition.ActionAfterCompletion === 'DELETE') {
        schedules.delete(key(GroupName, Name));
        return;
      }
      if (schedules.get(key(GroupName, Name)) === stored) arm(stored);
    }, Math.min(MAX_DELAY_MS, Math.max(0, next - now)));
    stored.timer.unref();
  }

  /** Validates a CreateSchedule/UpdateSchedule body into a full definition (an update replaces every field). */
  function define(name: string, body: Record<string, unknown>, previous?: ScheduleDefinition): StoredSchedule {
    if (!NAME.test(name)) throw validation(`Name must be 1 to 64 letters, digits, "-", "_" or "."; got ${JSON.stringify(name)}`);
    const group = optionalString(body, 'GroupName', 64) ?? DEFAULT_GROUP;
    if (group !== DEFAULT_GROUP) throw new SchedulerError(404, 'ResourceNotFoundException', `Schedule group ${group} does not exist.`);
    const rawExpression = body['ScheduleExpression'];
    if (typeof rawExpression !== 'string' || !rawExpression) throw validation('ScheduleExpression is required');
    let expression: ScheduleExpression;
    try {
      expression = parseScheduleExpression(rawExpression);
    } catch (error) {
      if (error instanceof ScheduleExpressionError) throw validation(error.message);
      throw error;
    }
    if (expression.kind === 'cron') {
      throw validation(`cron() schedules are not supported by the local scheduler (use rate() or at()): ${rawExpression}`);
    }
    const timezone = optionalString(body, 'ScheduleExpressionTimezone', 50);
    if (timezone !== undefined && !isTimeZone(timezone)) throw validation(`Invalid ScheduleExpressionTimezone ${timezone}`);
    const startDate = optionalEpochSeconds(body, 'StartDate');
    const endDate = optionalEpochSeconds(body, 'EndDate');
    if (startDate !== undefined && endDate !== undefined && endDate <= startDate) throw validation('EndDate must be after StartDate');
    const description = optionalString(body, 'Description', 512);
    const kmsKeyArn = optionalString(body, 'KmsKeyArn', 2048);
    const nowSeconds = Date.now() / 1000;
    const definition: ScheduleDefinition = {
      Arn: arnOf(group, name),
      Name: name,
      GroupName: group,
      ScheduleExpression: rawExpression,
      ...(timezone !== undefined ? { ScheduleExpressionTimezone: timezone } : {}),
      ...(startDate !== undefined ? { StartDate: startDate } : {}),
      ...(endDate !== undefined ? { EndDate: endDate } : {}),
      ...(description !== undefined ? { Description: description } : {}),
      State: oneOf(body['State'], 'State', ['ENABLED', 'DISABLED'] as const, 'ENABLED'),
      ...(kmsKeyArn !== undefined ? { KmsKeyArn: kmsKeyArn } : {}),
      Target: parseTarget(body['Target']),
      FlexibleTimeWindow: parseWindow(body['FlexibleTimeWindow']),
      ActionAfterCompletion: oneOf(body['ActionAfterCompletion'], 'ActionAfterCompletion', ['NONE', 'DELETE'] as const, 'NONE'),
      CreationDate: previous?.CreationDate ?? nowSeconds,
      LastModificationDate: nowSeconds,
    };
    // Without a start date a rate schedule runs at once, then every period; an update keeps the phase.
    return { definition, expression, anchorMs: (startDate ?? definition.CreationDate) * 1000 };
  }

  function list(url: URL) {
    const group = url.searchParams.get('ScheduleGroup');
    const prefix = url.searchParams.get('NamePrefix') ?? '';
    const state = url.searchParams.get('State');
    if (state !== null) oneOf(state, 'State', ['ENABLED', 'DISABLED'] as const, 'ENABLED');
    const maxParam = url.searchParams.get('MaxResults');
    const max = maxParam === null ? 100 : Number(maxParam);
    if (!Number.isInteger(max) || max < 1 || max > 100) throw validation('MaxResults must be an integer from 1 to 100');
    const token = url.searchParams.get('NextToken');
    const start = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw validation('Invalid NextToken');
    const matching = [...schedules.values()]
      .map((s) => s.definition)
      .filter((d) => (group === null || d.GroupName === group) && d.Name.startsWith(prefix) && (state === null || d.State === state))
      .sort((a, b) => a.Arn.localeCompare(b.Arn));
    const page = matching.slice(start, start + max);
    return {
      Schedules: page.map((d) => ({
        Arn: d.Arn,
        Name: d.Name,
        GroupName: d.GroupName,
        State: d.State,
        CreationDate: d.CreationDate,
        LastModificationDate: d.LastModificationDate,
        Target: { Arn: d.Target.Arn },
      })),
      ...(start + max < matching.length ? { NextToken: Buffer.from(String(start + max)).toString('base64url') } : {}),
    };
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';

    // Local only: run a schedule's target now instead of waiting for its time.
    if (parts[0] === 'local' && parts[1] === 'schedules' && parts[2] && parts[3] === 'fire' && method === 'POST') {
      return sendJson(res, 200, await run(lookup(parts[2], url.searchParams.get('groupName'))));
    }
    if (parts[0] !== 'schedules' || parts.length > 2) {
      throw new SchedulerError(404, 'UnknownOperationException', `Unknown operation ${method} ${url.pathname}`);
    }
    const name = parts[1];
    if (!name) {
      if (method === 'GET') return sendJson(res, 200, list(url));
      throw new SchedulerError(404, 'UnknownOperationException', `Unknown operation ${method} ${url.pathname}`);
    }
    if (method === 'POST') {
      const stored = define(name, await readObject(req));
      const id = key(stored.definition.GroupName, name);
      if (schedules.has(id)) throw new SchedulerError(409, 'ConflictException', `Schedule ${name} already exists.`);
      schedules.set(id, stored);
      arm(stored);
      return sendJson(res, 200, { ScheduleArn: stored.definition.Arn });
    }
    if (method === 'PUT') {
      const body = await readObject(req);
      const previous = lookup(name, optionalString(body, 'GroupName', 64));
      const stored = define(name, body, previous.definition);
      clearTimeout(previous.timer);
      stored.lastFiredMs = previous.lastFiredMs;
      schedules.set(key(stored.definition.GroupName, name), stored);
      arm(stored);
      return sendJson(res, 200, { ScheduleArn: stored.definition.Arn });
    }
    if (method === 'GET') return sendJson(res, 200, lookup(name, url.searchParams.get('groupName')).definition);
    if (method === 'DELETE') {
      const stored = lookup(name, url.searchParams.get('groupName'));
      clearTimeout(stored.timer);
      schedules.delete(key(stored.definition.GroupName, name));
      return sendJson(res, 200, {});
    }
    throw new SchedulerError(404, 'UnknownOperationException', `Unknown operation ${method} ${url.pathname}`);
  }

  const http: Server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      const known = error instanceof SchedulerError;
      if (!known) log(`scheduler server error: ${(error as Error).stack ?? error}`);
      if (res.headersSent) return void res.end();
      const status = known ? error.statusCode : 500;
      const type = known ? error.type : 'InternalServerException';
      sendJson(res, status, { Message: (error as Error).message }, { 'x-amzn-errortype': type });
    });
  });
  const { url } = await listenOnLoopback(http, options.port);

  return {
    url,
    secondsPerMinute,
    fire: (name, groupName) => run(lookup(name, groupName)),
    async close() {
      for (const stored of schedules.values()) clearTimeout(stored.timer);
      schedules.clear();
      await closeServer(http);
      await Promise.allSettled([...background]);
    },
  };
}

/**
 * Asks a running local Scheduler (by default the one `AWS_ENDPOINT_URL_SCHEDULER` names, e.g. the Jest stack in
 * another process) to run a schedule now, and resolves with what ran. Rejects with the server's error otherwise.
 */
export async function fireSchedule(name: string, options: { groupName?: string; endpoint?: string } = {}): Promise<ScheduleRun> {
  const endpoint = options.endpoint ?? process.env['AWS_ENDPOINT_URL_SCHEDULER'];
  if (!endpoint) throw new Error('fireSchedule: no endpoint given and AWS_ENDPOINT_URL_SCHEDULER is not set');
  const query = options.groupName ? `?groupName=${encodeURIComponent(options.groupName)}` : '';
  const response = await fetch(`${endpoint}/local/schedules/${encodeURIComponent(name)}/fire${query}`, { method: 'POST' });
  const body = (await response.json()) as unknown;
  if (!response.ok) throw new Error(`fire ${name}: ${response.status} ${response.headers.get('x-amzn-errortype')} ${JSON.stringify(body)}`);
  return body as ScheduleRun;
}
