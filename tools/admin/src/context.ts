import { queueRefFromEnv, type QueueRef } from '@bmx/aws-clients';
import { createDatabase, databaseSourceFromEnv, type Database, type Kysely } from '@bmx/db';

/** Where a command's output goes: results on `out` (pipe them), notes and errors on `err`. */
export interface AdminIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** A command's answer was wrong input: printed with the command's usage, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What every command runs against: one environment, through the usual configuration. */
export interface AdminContext extends AdminIo {
  /** `--env`, else `BMX_ENV`, else `local`: the `{env}` in resource names (`bmx-{env}-image-jobs`). */
  envName: string;
  env: NodeJS.ProcessEnv;
  /** Opens the database (`DATABASE_URL`, else `DATABASE_SECRET_ARN`) once; closed when the command ends. */
  database(): Promise<Kysely<Database>>;
}

/** The queues an environment has, by the short name commands take; each one's DLQ is `<queue>-dlq`. */
export const QUEUES = {
  'image-jobs': { prefix: 'IMAGE_JOBS', name: (envName: string) => `bmx-${envName}-image-jobs` },
  tracking: { prefix: 'TRACKING', name: (envName: string) => `bmx-${envName}-tracking` },
} as const;

export type QueueKey = keyof typeof QUEUES;

/** The queue's name: `<PREFIX>_QUEUE_NAME` when set (as the apps read it), else the environment's own. */
export function queueName(context: Pick<AdminContext, 'env' | 'envName'>, key: QueueKey): string {
  const { prefix, name } = QUEUES[key];
  const ref: QueueRef | undefined = context.env[`${prefix}_QUEUE_URL`] || context.env[`${prefix}_QUEUE_NAME`] ? queueRefFromEnv(prefix, context.env) : undefined;
  if (ref && 'url' in ref) return decodeURIComponent(ref.url.split('/').pop() ?? '');
  return ref?.name ?? name(context.envName);
}

/** The context for one run; `close()` releases the database if a command opened it. */
export function createContext(envName: string, env: NodeJS.ProcessEnv, io: AdminIo): AdminContext & { close(): Promise<void> } {
  let db: Promise<Kysely<Database>> | undefined;
  return {
    ...io,
    envName,
    env,
    database() {
      db ??= (async () => {
        const source = databaseSourceFromEnv(env);
        if (!source) throw new UsageError('DATABASE_URL (or DATABASE_SECRET_ARN) must be set: the database to work on');
        return createDatabase({ source, poolSize: 2 });
      })();
      return db;
    },
    async close() {
      if (db) await (await db.catch(() => undefined))?.destroy();
    },
  };
}
