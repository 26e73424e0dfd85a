// The committed per-environment context (environments.json): everything a synth needs that CDK would otherwise look
// up in an account. Read and checked once; a bad entry names the environment and the field.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Where the functions that declare `vpc.database` run. */
export type NetworkSettings =
  /** No VPC (the local stack): `vpc` is ignored. */
  | { mode: 'none' }
  /** A new VPC: public subnets with `natGateways` NAT gateways, private subnets with egress, isolated ones for the database. */
  | { mode: 'new'; maxAzs: number; natGateways: number }
  /** An existing VPC, by ids committed here (no lookup): its private subnets must route to a NAT. */
  | {
      mode: 'imported';
      vpcId: string;
      availabilityZones: string[];
      privateSubnetIds: string[];
      databaseSecurityGroupId: string;
    };

/** The database the functions reach through their `DATABASE_SECRET_ARN`. */
export type DatabaseSettings =
  /** An existing database whose RDS-style JSON secret (username, password, host, port, dbname) is at this full ARN. */
  | { secretArn: string }
  /** A new RDS PostgreSQL instance in the new VPC's isolated subnets, with a generated secret. */
  | {
      create: {
        instanceType: string;
        multiAz: boolean;
        allocatedStorageGiB: number;
      };
    };

/** One environment's committed context. */
export interface EnvironmentSettings {
  /** The environment's name (`local`, `sandbox`, …): `bmx-<name>-…` in every resource name. */
  name: string;
  /** Account and region to pin the stacks to; absent: environment-agnostic templates (the deploying credentials decide). */
  account?: string;
  region?: string;
  /** Images bucket name. Default `bmx-<env>-images-<account>-<region>` (S3 names are global). */
  imagesBucketName?: string;
  /** Origins allowed to PUT to presigned URLs from a browser (the bucket's CORS). */
  corsAllowedOrigins: string[];
  network: NetworkSettings;
  database: DatabaseSettings;
  /**
   * Secrets besides `database` that functions name in `secrets`: name → full ARN of an existing secret, or `"create"`
   * for an empty JSON secret the shared stack makes (`bmx-<env>-<name>`, filled in by hand afterwards).
   */
  secrets: Record<string, string>;
}

export const ENVIRONMENTS_FILE = path.join(__dirname, '../environments.json');
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;

function fail(name: string, field: string, problem: string): never {
  throw new Error(`${ENVIRONMENTS_FILE}: ${name}.${field} ${problem}`);
}

/** Checks one environment's entry; throws naming the environment and the field. */
export function checkEnvironment(
  name: string,
  raw: Omit<EnvironmentSettings, 'name'>,
): EnvironmentSettings {
  if (!/^[a-z0-9-]{1,32}$/.test(name))
    fail(name, '(name)', 'must be lowercase letters, digits or dashes');
  const { network, database } = raw;
  if (!Array.isArray(raw.corsAllowedOrigins))
    fail(name, 'corsAllowedOrigins', 'must be a list of origins');
  if (raw.account !== undefined && !/^\d{12}$/.test(raw.account))
    fail(name, 'account', 'must be a 12-digit account id');
  if (network?.mode === 'imported') {
    if (!/^vpc-[0-9a-f]+$/.test(network.vpcId))
      fail(name, 'network.vpcId', 'must be a VPC id');
    if (
      !network.privateSubnetIds?.every((id) => /^subnet-[0-9a-f]+$/.test(id)) ||
      network.privateSubnetIds.length < 2
    )
      fail(
        name,
        'network.privateSubnetIds',
        'must list at least two subnet ids',
      );
    if (network.availabilityZones?.length !== network.privateSubnetIds.length)
      fail(
        name,
        'network.availabilityZones',
        'must name one zone per private subnet',
      );
    if (!/^sg-[0-9a-f]+$/.test(network.databaseSecurityGroupId))
      fail(
        name,
        'network.databaseSecurityGroupId',
        'must be a security group id',
      );
  } else if (network?.mode === 'new') {
    if (!(network.maxAzs >= 2 && network.natGateways >= 1))
      fail(name, 'network', 'needs maxAzs ≥ 2 and natGateways ≥ 1');
  } else if (network?.mode !== 'none') {
    fail(name, 'network.mode', 'must be "none", "new" or "imported"');
  }
  if ('secretArn' in database) {
    if (!SECRET_ARN.test(database.secretArn))
      fail(
        name,
        'database.secretArn',
        'must be a full Secrets Manager ARN (with its 6-character suffix)',
      );
  } else if ('create' in database) {
    if (network.mode !== 'new')
      fail(
        name,
        'database.create',
        'needs network.mode "new" (the instance goes in its isolated subnets)',
      );
  } else {
    fail(name, 'database', 'must be {"secretArn": …} or {"create": …}');
  }
  for (const [secret, value] of Object.entries(raw.secrets ?? {})) {
    if (secret === 'database' || !/^[a-z][a-z0-9-]*$/.test(secret))
      fail(
        name,
        `secrets.${secret}`,
        'must be a lowercase name other than "database"',
      );
    if (value !== 'create' && !SECRET_ARN.test(value))
      fail(
        name,
        `secrets.${secret}`,
        'must be "create" or a full Secrets Manager ARN',
      );
  }
  return { ...raw, secrets: raw.secrets ?? {}, name };
}

/** A test's throw-away copy of `local` (tools/deploy `isLocalEnvironment`): `local-<id>`. */
const LOCAL_COPY = /^local-[a-z0-9]+$/;

/** `{env}` in every string of an entry becomes the environment's name (bucket names, secret ARNs of local stacks). */
function substituteName<T>(value: T, name: string): T {
  return JSON.parse(JSON.stringify(value).replace(/\{env\}/g, name)) as T;
}

/**
 * The environment `name` from environments.json, `{env}` in its strings replaced by the name; an unknown name lists
 * the known ones. `local-<id>` (not in the file) is a copy of `local` under that name: how each test deploys into
 * resources of its own on one local stack.
 */
export function loadEnvironment(
  name: string,
  file: string = ENVIRONMENTS_FILE,
): EnvironmentSettings {
  const all = JSON.parse(readFileSync(file, 'utf8')) as Record<
    string,
    Omit<EnvironmentSettings, 'name'>
  >;
  const raw = Object.hasOwn(all, name) ? all[name] : LOCAL_COPY.test(name) ? all['local'] : undefined;
  if (!raw || name.startsWith('$')) {
    throw new Error(
      `environment "${name}" is not in ${file}; known: ${Object.keys(all)
        .filter((key) => !key.startsWith('$'))
        .join(', ')} (and local-<id>, a copy of local for tests)`,
    );
  }
  return checkEnvironment(name, substituteName(raw, name));
}

/** Every environment's name in environments.json. */
export function environmentNames(file: string = ENVIRONMENTS_FILE): string[] {
  return Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object).filter(
    (key) => !key.startsWith('$'),
  );
}
