import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { HeadBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { getLambdaClient, getS3Client, getSqsClient, type QueueRef } from '@bmx/aws-clients';
import { pingDatabase, type Database, type Kysely } from '@bmx/db';
import { publicErrorDescription } from '../errors';

export type CheckStatus = 'healthy' | 'degraded' | 'unhealthy' | 'skipped';

/** The result of one dependency check. */
export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** Milliseconds the check took (up to its budget). */
  latency_ms: number;
  /** Why it is not healthy, or what was found. */
  detail?: string;
  /** Extra facts, e.g. queue depths. */
  data?: Record<string, unknown>;
}

/** The answer of `/health/deep`. */
export interface DeepHealth {
  status: 'healthy' | 'degraded' | 'unhealthy';
  /** When the checks finished. */
  checked_at: string;
  latency_ms: number;
  checks: CheckResult[];
}

/** A deep-health result as handed out, perhaps reused: `age_ms` after its `checked_at`. */
export interface SharedDeepHealth extends DeepHealth {
  age_ms: number;
}

/** What {@link deepHealth} checks. */
export interface DeepHealthTargets {
  db: Kysely<Database>;
  bucket: string;
  queues: { name: string; ref: QueueRef }[];
  functions: string[];
  /** In production an AccessDenied on GetFunction is a real problem; elsewhere it is skipped. */
  production: boolean;
  /** Each check's budget in milliseconds (≤ 5000). */
  timeoutMs: number;
}

export type Outcome = Omit<CheckResult, 'name' | 'latency_ms'>;

class BudgetExceeded extends Error {}

/**
 * Runs one check with its own budget: when the budget passes the request is aborted and the check is
 * unhealthy, whatever the dependency does.
 */
async function timed(name: string, timeoutMs: number, check: (signal: AbortSignal) => Promise<Outcome>): Promise<CheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new BudgetExceeded(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  let outcome: Outcome;
  try {
    outcome = await Promise.race([check(controller.signal), budget]);
  } catch (error) {
    // The health routes are public: the detail names the error, never the address it came from.
    outcome = { status: 'unhealthy', detail: error instanceof BudgetExceeded ? error.message : publicErrorDescription(error) };
  } finally {
    clearTimeout(timer);
  }
  return { name, latency_ms: Math.round(performance.now() - started), ...outcome };
}

async function checkDatabase(db: Kysely<Database>): Promise<Outcome> {
  await pingDatabase(db);
  return { status: 'healthy' };
}

async function checkS3(bucket: string, signal: AbortSignal): Promise<Outcome> {
  const s3 = getS3Client('healthCheck');
  await s3.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }), { abortSignal: signal });
  return { status: 'healthy', data: { bucket, listable: true, has_objects: (list.KeyCount ?? 0) > 0 } };
}

async function queueUrl(ref: QueueRef, signal: AbortSignal): Promise<string> {
  if ('url' in ref) return ref.url;
  const out = await getSqsClient('healthCheck').send(new GetQueueUrlCommand({ QueueName: ref.name }), { abortSignal: signal });
  if (!out.QueueUrl) throw new Error(`GetQueueUrl returned no URL for ${ref.name}`);
  return out.QueueUrl;
}

async function depth(url: string, signal: AbortSignal) {
  const out = await getSqsClient('healthCheck').send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'RedrivePolicy'],
    }),
    { abortSignal: signal },
  );
  const attrs = out.Attributes ?? {};
  return {
    visible: Number(attrs['ApproximateNumberOfMessages'] ?? 0),
    in_flight: Number(attrs['ApproximateNumberOfMessagesNotVisible'] ?? 0),
    delayed: Number(attrs['ApproximateNumberOfMessagesDelayed'] ?? 0),
    redrivePolicy: attrs['RedrivePolicy'],
  };
}

async function checkQueue(ref: QueueRef, signal: AbortSignal): Promise<Outcome> {
  const url = await queueUrl(ref, signal);
  const main = await depth(url, signal);
  const data: Record<string, unknown> = { visible: main.visible, in_flight: main.in_flight, delayed: main.delayed };
  if (!main.redrivePolicy) return { status: 'healthy', data: { ...data, dlq: null }, detail: 'no dead-letter queue configured' };
  const arn = (JSON.parse(main.redrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn ?? '';
  const dlqName = arn.split(':').pop() ?? '';
  const dlq = await depth(await queueUrl({ name: dlqName }, signal), signal);
  data['dlq'] = { name: dlqName, visible: dlq.visible, in_flight: dlq.in_flight };
  // Messages in the DLQ are failures someone has to look at: the system works, but not fully.
  if (dlq.visible + dlq.in_flight > 0) return { status: 'degraded', detail: `${dlq.visible + dlq.in_flight} message(s) in ${dlqName}`, data };
  return { status: 'healthy', data };
}

/** GetFunction: Active healthy, Failed unhealthy, other states degraded, not found unhealthy, AccessDenied skipped outside production. */
export async function checkFunction(name: string, production: boolean, signal: AbortSignal): Promise<Outcome> {
  try {
    const out = await getLambdaClient('healthCheck').send(new GetFunctionCommand({ FunctionName: name }), { abortSignal: signal });
    const state = out.Configuration?.State ?? 'Unknown';
    const data = { state, last_update_status: out.Configuration?.LastUpdateStatus };
    if (state === 'Active') return { status: 'healthy', data };
    if (state === 'Failed') return { status: 'unhealthy', detail: out.Configuration?.StateReason ?? 'function state is Failed', data };
    return { status: 'degraded', detail: `function state is ${state}`, data };
  } catch (error) {
    const errName = (error as { name?: string }).name ?? '';
    if (errName === 'ResourceNotFoundException') return { status: 'unhealthy', detail: `function ${name} not found` };
    if (/AccessDenied/.test(errName) && !production) return { status: 'skipped', detail: 'no permission for GetFunction (not production)' };
    throw error;
  }
}

/** Overall: any unhealthy check makes it unhealthy, else any degraded makes it degraded; skipped checks do not count. */
export function overallStatus(checks: CheckResult[]): DeepHealth['status'] {
  if (checks.some((c) => c.status === 'unhealthy')) return 'unhealthy';
  if (checks.some((c) => c.status === 'degraded')) return 'degraded';
  return 'healthy';
}

/**
 * Checks the database, S3, every queue (and its DLQ) and every Lambda the API depends on, all at once, each
 * within its own budget through the `healthCheck` clients (one attempt, short timeouts), so the answer comes
 * within the budget even when a dependency hangs.
 */
export async function deepHealth(targets: DeepHealthTargets): Promise<DeepHealth> {
  const started = performance.now();
  const t = targets.timeoutMs;
  const checks = await Promise.all([
    timed('database', t, () => checkDatabase(targets.db)),
    timed('s3', t, (signal) => checkS3(targets.bucket, signal)),
    ...targets.queues.map((q) => timed(`sqs:${q.name}`, t, (signal) => checkQueue(q.ref, signal))),
    ...targets.functions.map((f) => timed(`lambda:${f}`, t, (signal) => checkFunction(f, targets.production, signal))),
  ]);
  return {
    status: overallStatus(checks),
    checked_at: new Date().toISOString(),
    latency_ms: Math.round(performance.now() - started),
    checks,
  };
}

/**
 * One deep check for many callers: concurrent callers share the check in flight, and its result answers later
 * callers for `reuseMs` (an unhealthy one for half as long, so a recovery shows sooner), however many monitors ask.
 * So the dependencies see at most one round of checks per reuse window. A check that throws is not kept.
 */
export class SharedHealthCheck {
  private inFlight: Promise<DeepHealth> | undefined;
  private last: { result: DeepHealth; atMs: number } | undefined;

  constructor(
    private readonly check: () => Promise<DeepHealth>,
    private readonly reuseMs: number,
  ) {}

  /** How long `result` answers later callers. Never longer for an unhealthy result than for a healthy one. */
  reuseFor(result: DeepHealth): number {
    return result.status === 'unhealthy' ? Math.floor(this.reuseMs / 2) : this.reuseMs;
  }

  async current(): Promise<SharedDeepHealth> {
    const last = this.last;
    if (last && Date.now() - last.atMs < this.reuseFor(last.result)) return this.aged(last);
    if (!this.inFlight) {
      const running = this.check().then((result) => {
        this.last = { result, atMs: Date.parse(result.checked_at) };
        return result;
      });
      this.inFlight = running;
      void running.then(
        () => (this.inFlight = undefined),
        () => (this.inFlight = undefined),
      );
    }
    const result = await this.inFlight;
    return this.aged({ result, atMs: Date.parse(result.checked_at) });
  }

  private aged({ result, atMs }: { result: DeepHealth; atMs: number }): SharedDeepHealth {
    return { ...result, age_ms: Math.max(0, Date.now() - atMs) };
  }
}

/** The database check alone, for `/health/ready`. */
export function databaseReady(db: Kysely<Database>, timeoutMs: number): Promise<CheckResult> {
  return timed('database', timeoutMs, () => checkDatabase(db));
}
