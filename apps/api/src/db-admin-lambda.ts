// The API's database administration from inside the VPC, where the database is reachable and nothing else is:
// - CloudFormation runs it as the app's deploy step (`Custom::DeployStep`): migrateToLatest before any `live` alias of
//   the app moves, so a new API version never serves on an old schema;
// - an operator invokes it for the first admin key of an AWS environment (`npm run admin -- keys create <name>
//   --role admin --env <env> --through-lambda`): `{"create_api_key": {"name", "role"}}` answers the key, once.
// The smoke test pings the database.
import { ConfigError } from '@bmx/aws-clients';
import { API_KEY_ROLES, createApiKey, createDatabase, databaseSourceFromEnv, migrateToLatest, pingDatabase, type ApiKeyRole, type Kysely } from '@bmx/db';
import { isCustomResourceEvent, logger, withCustomResource, withLogger, withSmokeTest, type CustomResourceEvent } from '@bmx/lambda-kit';

const ready = (async () => {
  const source = databaseSourceFromEnv(process.env);
  if (!source) throw new ConfigError('DATABASE_SECRET_ARN', 'is required in Lambda (or DATABASE_URL)');
  return createDatabase({ source, poolSize: 1 });
})();
ready.catch(() => undefined);

/** Runs every pending migration; the resource's `Applied` attribute lists them (comma-separated, may be empty). */
export async function migrate(): Promise<{ Applied: string }> {
  const applied = await migrateToLatest((await ready) as Kysely<unknown>);
  logger.info('migrations applied', { applied, count: applied.length });
  return { Applied: applied.join(',') };
}

/** An operator's request for an API key. */
export interface CreateApiKeyRequest {
  create_api_key: { name: string; role: ApiKeyRole };
}

/** The answer: the key itself, shown this once (only its SHA-256 is stored). */
export interface CreatedApiKey {
  id: number;
  key: string;
  role: ApiKeyRole;
}

/** Creates the key a request asks for; a request that is not one is refused naming what is wrong. */
export async function handleAdminRequest(event: unknown): Promise<CreatedApiKey> {
  const request = (event as Partial<CreateApiKeyRequest> | null)?.create_api_key;
  if (!request || typeof request !== 'object') throw new Error('expected {"create_api_key": {"name": "...", "role": "viewer|editor|admin"}} or a CloudFormation request');
  if (typeof request.name !== 'string' || request.name.trim() === '') throw new Error('create_api_key.name must be a non-empty string');
  if (!API_KEY_ROLES.includes(request.role)) throw new Error(`create_api_key.role must be one of ${API_KEY_ROLES.join(', ')}`);
  const created = await createApiKey(await ready, { name: request.name, role: request.role });
  logger.info('API key created', { id: created.id, name: request.name, role: created.role });
  return created;
}

const migrationStep = withCustomResource(migrate);

export const handler = withLogger(
  withSmokeTest(
    async () => pingDatabase(await ready),
    async (event: CustomResourceEvent | CreateApiKeyRequest, context: unknown) => (isCustomResourceEvent(event) ? migrationStep(event, context) : handleAdminRequest(event)),
  ),
);
