import { sendJsonMessage } from '@bmx/aws-clients';
import { JobNotRequeueableError, markJobQueueFailed, requeueImageJob, type JobStatus } from '@bmx/db';
import type { ImageJobMessage } from '@bmx/images';
import { correlationAttributes } from '@bmx/lambda-kit';
import { positiveInteger, type CommandGroup } from '../command';
import { queueName, UsageError } from '../context';

const STATUSES: JobStatus[] = ['pending', 'processing', 'completed', 'failed', 'queue_failed', 'permanently_failed'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `admin jobs list|requeue`: image-processing jobs. */
export const jobsCommands: CommandGroup = {
  summary: 'image-processing jobs: list them, send failed ones to the image processor again',
  commands: {
    list: {
      usage: '[--status S] [--book ID] [--correlation-id ID] [--limit N]',
      summary: 'Prints one JSON line per job, newest first: id, book_id, source_image_id, status, attempts, failure_reason, correlation_id, times.',
      options: {
        status: { type: 'string', help: STATUSES.join('|') },
        book: { type: 'string', help: 'only this book id' },
        'correlation-id': { type: 'string', help: 'only the job of this upload (its X-Correlation-Id)' },
        limit: { type: 'string', help: 'at most this many (default 50)' },
      },
      async run({ values, positionals }, context) {
        if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
        const status = values['status'];
        if (status !== undefined && !STATUSES.includes(status as JobStatus)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
        let query = (await context.database())
          .selectFrom('image_processing_jobs')
          .select(['id', 'book_id', 'source_image_id', 'processed_image_id', 'status', 'attempt_count', 'queue_retry_count', 'failure_reason', 'correlation_id', 'created_at', 'updated_at', 'completed_at'])
          .orderBy('created_at', 'desc')
          .limit(values['limit'] === undefined ? 50 : positiveInteger(values['limit'], '--limit'));
        if (status !== undefined) query = query.where('status', '=', status as JobStatus);
        if (values['book'] !== undefined) query = query.where('book_id', '=', positiveInteger(values['book'], '--book'));
        if (typeof values['correlation-id'] === 'string') query = query.where('correlation_id', '=', values['correlation-id']);
        for (const job of await query.execute()) context.out(JSON.stringify(job));
      },
    },
    requeue: {
      usage: '<job-id>...',
      summary:
        'Sends each failed, queue_failed or permanently_failed job to the image processor again (status pending, attempts and failure cleared, ' +
        'its correlation id kept). A job whose send fails is queue_failed, for the retry Lambda.',
      async run({ positionals }, context) {
        if (positionals.length === 0) throw new UsageError('give at least one job id');
        for (const id of positionals) if (!UUID.test(id)) throw new UsageError(`"${id}" is not a job id (a UUID)`);
        const db = await context.database();
        const queue = { name: queueName(context, 'image-jobs') };
        for (const id of positionals) {
          let job;
          try {
            job = await requeueImageJob(db, id);
          } catch (error) {
            if (error instanceof JobNotRequeueableError) throw new UsageError(error.message);
            throw error;
          }
          const message: ImageJobMessage = { job_id: job.id, book_id: job.book_id, image_id: job.source_image_id };
          try {
            await sendJsonMessage(queue, message, { attributes: correlationAttributes(job.correlation_id ?? undefined) });
            context.out(JSON.stringify({ id, status: 'pending', queue: queue.name }));
          } catch (error) {
            await markJobQueueFailed(db, id, `requeue: SQS send failed: ${(error as Error).message}`);
            throw new Error(`job ${id}: could not send to ${queue.name} (${(error as Error).name}); it is queue_failed and the retry Lambda will resend it`);
          }
        }
      },
    },
  },
};
