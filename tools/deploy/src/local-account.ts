import { ConfigError } from '@bmx/aws-clients';

/** The SDK's own variable for the account of the credentials; tools/local-aws sets it to the account its servers model. */
export const ACCOUNT_VARIABLE = 'AWS_ACCOUNT_ID';

/**
 * The account the local stack models, from `AWS_ACCOUNT_ID` (never assumed: the deploy tool names no account of its
 * own). Throws {@link ConfigError} naming the variable when it is missing or not 12 digits.
 */
export function localAccountId(env: NodeJS.ProcessEnv = process.env): string {
  const account = env[ACCOUNT_VARIABLE]?.trim();
  if (!account || !/^\d{12}$/.test(account)) {
    throw new ConfigError(ACCOUNT_VARIABLE, `must be the 12-digit account the local stack models (tools/local-aws sets it in the stack's environment), got ${account ? `"${account}"` : 'nothing'}`);
  }
  return account;
}
