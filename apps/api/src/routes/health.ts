import { Type } from '@fastify/type-provider-typebox';
import type { ApiApp, AppDeps } from '../app-deps';
import { databaseReady, deepHealth, SharedHealthCheck } from '../services/health';

const tags = ['health'];

const Check = Type.Object({
  name: Type.String(),
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy'), Type.Literal('skipped')]),
  latency_ms: Type.Integer(),
  detail: Type.Optional(Type.String()),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

const Deep = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  checked_at: Type.String({ format: 'date-time', description: 'when the checks finished' }),
  age_ms: Type.Integer({ description: 'how long ago that was: a result is reused for HEALTH_REUSE_MS' }),
  latency_ms: Type.Integer(),
  checks: Type.Array(Check),
});

/** Liveness, readiness (database) and a deep check of every dependency. All public. */
export function healthRoutes(app: ApiApp, { db, config }: AppDeps): void {
  const deep = new SharedHealthCheck(
    () =>
      deepHealth({
        db,
        bucket: config.imagesBucket,
        queues: [{ name: 'image-jobs', ref: config.imageJobsQueue }],
        functions: config.healthFunctionNames,
        production: config.production,
        timeoutMs: config.healthCheckTimeoutMs,
      }),
    config.healthReuseMs,
  );

  app.get(
    '/health/live',
    { config: { access: 'public' }, schema: { tags, summary: 'The process is up', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'The database answers', response: { 200: Check, 503: Check } },
    },
    async (_request, reply) => {
      const check = await databaseReady(db, config.healthCheckTimeoutMs);
      return reply.status(check.status === 'healthy' ? 200 : 503).send(check);
    },
  );

  app.get(
    '/health/deep',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Database, S3, SQS queues (with DLQ depth) and Lambdas, checked in parallel',
        description:
          '200 when healthy or degraded, 503 when unhealthy. Each check has its own budget (HEALTH_CHECK_TIMEOUT_MS). Concurrent callers ' +
          'share one check, and its result answers for HEALTH_REUSE_MS (an unhealthy one for half as long); `checked_at` and `age_ms` say how old it is.',
        response: { 200: Deep, 503: Deep },
      },
    },
    async (_request, reply) => {
      const result = await deep.current();
      return reply.status(result.status === 'unhealthy' ? 503 : 200).send(result);
    },
  );
}
