// Carrier credentials and endpoints live in a Secrets Manager secret, referenced by ARN (lambda.deploy.json
// `secrets`: TRACKING_CARRIERS_SECRET_ARN → the environment's `tracking-carriers` secret), never as plaintext
// variables of the function. The secret is a JSON object of the carrier settings `loadCarriersConfig` reads
// (`TRACKING_CARRIERS`, `UPS_CLIENT_ID`, `UPS_CLIENT_SECRET`, `DHL_API_KEY`, `<CARRIER>_API_BASE_URL`, …).
import { ConfigError, getSecretJson } from '@bmx/aws-clients';

export const CARRIERS_SECRET_VARIABLE = 'TRACKING_CARRIERS_SECRET_ARN';

/**
 * `env` with the carrier settings of the `TRACKING_CARRIERS_SECRET_ARN` secret over it (read at run time); `env` as
 * it is when the variable is unset. A secret that is not an object of strings is a `ConfigError` naming the variable
 * and the field, never a value.
 */
export async function withCarrierSecret(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  const arn = env[CARRIERS_SECRET_VARIABLE]?.trim();
  if (!arn) return env;
  let secret: unknown;
  try {
    secret = await getSecretJson(arn);
  } catch (error) {
    throw new ConfigError(CARRIERS_SECRET_VARIABLE, `could not read secret ${arn}: ${(error as Error).message}`);
  }
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new ConfigError(CARRIERS_SECRET_VARIABLE, `secret ${arn} must hold a JSON object of carrier settings`);
  }
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(secret)) {
    if (typeof value !== 'string') throw new ConfigError(CARRIERS_SECRET_VARIABLE, `secret ${arn}: "${name}" must be a string`);
    settings[name] = value;
  }
  return { ...env, ...settings };
}
