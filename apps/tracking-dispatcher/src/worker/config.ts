import type { QueueRef } from '@bmx/aws-clients';
import { queueRefFromEnv } from '@bmx/aws-clients';
import { databaseSourceFromEnv, type DatabaseSource } from '@bmx/db';
import { loadCarriersConfig, type CarriersConfig } from '../carriers/config';
import { readInteger, readText } from '@bmx/lambda-kit';

/** The worker's configuration, read once at start-up by {@link loadConfig}. */
export interface WorkerConfig {
  /** `DATABASE_URL`, else `DATABASE_SECRET_ARN` (a Secrets Manager secret with the credentials). One is required. */
  database: DatabaseSource;
  /**
   * `TRACKING_QUEUE_URL` / `TRACKING_QUEUE_NAME`: the queue to extend visibility on when a record's
   * `eventSourceARN` is missing. Optional: the ARN normally names it.
   */
  queue: QueueRef | undefined;
  /** `TRACKING_DELIVERED_GRACE_HOURS`: hours a Delivered parcel is still checked before tracking stops. Default 24. */
  deliveredGraceHours: number;
  /** `TRACKING_WORKER_CONCURRENCY`: messages of one batch processed at once. Default 4. */
  concurrency: number;
  /** `CIRCUIT_FAILURE_THRESHOLD`: consecutive carrier failures that open its circuit. Default 3. */
  circuitFailureThreshold: number;
  /** `CIRCUIT_OPEN_MINUTES`: how long an open circuit stays open. Default 30. */
  circuitOpenMinutes: number;
  /** Per-carrier base URLs, credentials and `CARRIER_TIMEOUT_MS`. */
  carriers: CarriersConfig;
}

/** Reads and checks the worker's environment; throws `ConfigError` naming the variable at fault. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const hasQueue = Boolean(readText(env, 'TRACKING_QUEUE_URL') ?? readText(env, 'TRACKING_QUEUE_NAME'));
  return {
    database: databaseSourceFromEnv(env, { required: true }),
    queue: hasQueue ? queueRefFromEnv('TRACKING', env) : undefined,
    deliveredGraceHours: readInteger(env, 'TRACKING_DELIVERED_GRACE_HOURS', 24, { max: 24 * 90 }),
    concurrency: readInteger(env, 'TRACKING_WORKER_CONCURRENCY', 4, { min: 1, max: 10 }),
    circuitFailureThreshold: readInteger(env, 'CIRCUIT_FAILURE_THRESHOLD', 3, { min: 1, max: 100 }),
    circuitOpenMinutes: readInteger(env, 'CIRCUIT_OPEN_MINUTES', 30, { min: 1, max: 24 * 60 }),
    carriers: loadCarriersConfig(env),
  };
}
