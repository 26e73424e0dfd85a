import { Type } from '@fastify/type-provider-typebox';
import type { ApiApp, AppDeps } from '../app-deps';
import { errors } from '../schemas';
import { retryQueueFailedJobs } from '../services/jobs';

/** Operator routes; admin keys only. */
export function adminRoutes(app: ApiApp, { db, config }: AppDeps): void {
  app.post(
    '/api/v1/admin/image-processing/retry-queue-failed',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Resend queue_failed image jobs now (also runs every 5 minutes)',
        response: {
          200: Type.Object({
            reset_stuck: Type.Integer(),
            resent: Type.Integer(),
            still_failed: Type.Integer(),
            permanently_failed: Type.Integer(),
            superseded: Type.Integer(),
          }),
          ...errors(401, 403),
        },
      },
    },
    async () =>
      retryQueueFailedJobs(db, { queue: config.imageJobsQueue, staleAfterSeconds: config.jobStaleAfterSeconds }),
  );
}
