import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from '@smithy/core/config';
import { ConfigError } from './errors';

/** Region used when neither a variable nor the profile names one. */
export const DEFAULT_REGION = 'us-east-1';

/** Where the region in use came from: a variable, the named profile's `region`, or {@link DEFAULT_REGION}. */
export type RegionSource = 'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'profile' | 'default';

/** The region every client uses and where it came from. */
export interface ResolvedRegion {
  region: string;
  source: RegionSource;
}

const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

function checked(region: string, source: RegionSource, what: string): ResolvedRegion {
  if (!REGION_PATTERN.test(region)) throw new ConfigError(what, `"${region}" is not an AWS region name (e.g. us-east-1)`);
  return { region, source };
}

/**
 * The first two steps of the rule, synchronously: `AWS_REGION`, else `AWS_DEFAULT_REGION`, validated; undefined when
 * neither is set. {@link readAwsEnvironment} calls it so a malformed variable fails at start-up.
 */
export function regionFromVariables(env: NodeJS.ProcessEnv): ResolvedRegion | undefined {
  for (const variable of ['AWS_REGION', 'AWS_DEFAULT_REGION'] as const) {
    const value = env[variable]?.trim();
    if (value) return checked(value, variable, variable);
  }
  return undefined;
}

/**
 * The one region rule: `AWS_REGION`, else `AWS_DEFAULT_REGION` (what the AWS CLI reads), else the `region` of the
 * profile (`AWS_PROFILE`, else `default`) in the shared config and credentials files, read by the SDK's own
 * loader, else {@link DEFAULT_REGION}. Never asks the instance metadata service (the SDK's last resort), so a laptop
 * off EC2 does not wait on it. A malformed value throws {@link ConfigError} naming the variable or the profile.
 */
export async function resolveAwsRegion(env: NodeJS.ProcessEnv = process.env): Promise<ResolvedRegion> {
  const fromVariables = regionFromVariables(env);
  if (fromVariables) return fromVariables;
  const profile = env['AWS_PROFILE']?.trim() || 'default';
  const fromProfile = await loadConfig<string | undefined>(
    { environmentVariableSelector: () => undefined, configFileSelector: NODE_REGION_CONFIG_OPTIONS.configFileSelector, default: () => undefined },
    // The SDK reads these variables from process.env itself; passing them makes `env` the whole input.
    { ...NODE_REGION_CONFIG_FILE_OPTIONS, profile, configFilepath: env['AWS_CONFIG_FILE'], filepath: env['AWS_SHARED_CREDENTIALS_FILE'], ignoreCache: true },
  )();
  if (fromProfile?.trim()) return checked(fromProfile.trim(), 'profile', `region of profile "${profile}"`);
  return { region: DEFAULT_REGION, source: 'default' };
}
