import { ConfigError } from '@bmx/aws-clients';
import { databaseUrlFromEnv } from '@bmx/db';

/** `DATABASE_URL`, checked: both handlers need PostgreSQL (a Lambda has no use for the embedded database). */
export function readDatabaseUrl(env: NodeJS.ProcessEnv): string {
  const url = databaseUrlFromEnv(env);
  if (!url) throw new ConfigError('DATABASE_URL', 'is required: the postgres:// URL of the collection database');
  return url;
}
