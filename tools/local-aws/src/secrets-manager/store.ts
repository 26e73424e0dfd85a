import { randomInt, randomUUID } from 'node:crypto';

/** An error the way Secrets Manager reports it: the `__type` of the JSON 1.1 error body and the HTTP status. */
export class SecretsManagerError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

export const ACCOUNT_ID = '000000000000';
export const CURRENT = 'AWSCURRENT';
export const PREVIOUS = 'AWSPREVIOUS';
/** Secrets Manager's limit on a secret value. */
const MAX_VALUE_BYTES = 65_536;
/** Secret names: 1 to 512 of letters, digits and `/_+=.@-`. */
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** AWS keeps about 100 versions; older ones without a staging label are dropped. */
const MAX_VERSIONS = 100;

interface SecretVersion {
  versionId: string;
  /** Exactly one of the two is set. */
  secretString?: string;
  /** Base64, as it travels in JSON. */
  secretBinary?: string;
  stages: Set<string>;
  createdDate: number;
}

interface Secret {
  name: string;
  arn: string;
  description?: string;
  kmsKeyId?: string;
  tags: { Key: string; Value: string }[];
  createdDate: number;
  lastChangedDate: number;
  lastAccessedDate?: number;
  /** Set while the secret waits out its recovery window; most calls then fail. */
  deletedDate?: number;
  /** Oldest first. */
  versions: SecretVersion[];
}

type Input = Record<string, unknown>;

const now = () => Date.now() / 1000;

function invalidParameter(message: string): SecretsManagerError {
  return new SecretsManagerError('InvalidParameterException', message);
}

function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${field} must be a string.`);
  return value;
}

function requiredString(input: Input, field: string): string {
  const value = optionalString(input, field);
  if (!value) throw invalidParameter(`You must provide a value for the ${field} parameter.`);
  return value;
}

/** The value of a create or put: exactly one of SecretString and SecretBinary, within the size limit. */
function readValue(input: Input, required: boolean): Pick<SecretVersion, 'secretString' | 'secretBinary'> | undefined {
  const secretString = optionalString(input, 'SecretString');
  const secretBinary = optionalString(input, 'SecretBinary');
  if (secretString !== undefined && secretBinary !== undefined) {
    throw invalidParameter('You can\'t specify both a binary secret value and a string secret value in the same secret.');
  }
  if (secretString === undefined && secretBinary === undefined) {
    if (required) throw invalidParameter('You must provide either SecretString or SecretBinary.');
    return undefined;
  }
  const bytes = secretString !== undefined ? Buffer.byteLength(secretString) : Buffer.from(secretBinary as string, 'base64').length;
  if (bytes > MAX_VALUE_BYTES) throw invalidParameter(`The secret value must be at most ${MAX_VALUE_BYTES} bytes.`);
  return secretString !== undefined ? { secretString } : { secretBinary };
}

function sameValue(a: Pick<SecretVersion, 'secretString' | 'secretBinary'>, b: Pick<SecretVersion, 'secretString' | 'secretBinary'>): boolean {
  return a.secretString === b.secretString && a.secretBinary === b.secretBinary;
}

function readStages(input: Input): string[] {
  const stages = input['VersionStages'];
  if (stages === undefined || stages === null) return [CURRENT];
  if (!Array.isArray(stages) || stages.some((s) => typeof s !== 'string' || s.length === 0 || s.length > 256) || stages.length > 20) {
    throw invalidParameter('VersionStages must be a list of 1 to 20 staging labels.');
  }
  return stages as string[];
}

function versionToken(input: Input): string {
  const token = optionalString(input, 'ClientRequestToken') ?? randomUUID();
  if (token.length < 32 || token.length > 64) throw invalidParameter('ClientRequestToken must be 32 to 64 characters long.');
  return token;
}

/**
 * The secrets of a local Secrets Manager, in memory: names and ARNs with AWS's random 6-character suffix, versions
 * with staging labels (a new `AWSCURRENT` moves the old one to `AWSPREVIOUS`), idempotent client request tokens,
 * and deletion with a recovery window or at once.
 */
export class SecretStore {
  private readonly secrets = new Map<string, Secret>();

  constructor(private readonly region: string) {}

  /** Finds a secret by name, full ARN, or ARN without the random suffix, as Secrets Manager accepts. */
  private find(secretId: string): Secret {
    const byName = this.secrets.get(secretId);
    if (byName) return byName;
    for (const secret of this.secrets.values()) {
      if (secret.arn === secretId || secret.arn.slice(0, -7) === secretId) return secret;
    }
    throw new SecretsManagerError('ResourceNotFoundException', 'Secrets Manager can\'t find the specified secret.');
  }

  private live(secretId: string, action = 'perform this operation on'): Secret {
    const secret = this.find(secretId);
    if (secret.deletedDate !== undefined) {
      throw new SecretsManagerError('InvalidRequestException', `You can't ${action} the secret because it was marked for deletion.`);
    }
    return secret;
  }

  private arnFor(name: string): string {
    const suffix = Array.from({ length: 6 }, () => SUFFIX_CHARS[randomInt(SUFFIX_CHARS.length)]).join('');
    return `arn:aws:secretsmanager:${this.region}:${ACCOUNT_ID}:secret:${name}-${suffix}`;
  }

  /**
   * Adds a version and gives it `stages`; each label moves off the version that had it. When `AWSCURRENT` moves, the
   * version that lost it becomes `AWSPREVIOUS`.
   */
  private addVersion(secret: Secret, version: SecretVersion, stages: string[]): void {
    const previousCurrent = stages.includes(CURRENT) ? secret.versions.find((v) => v.stages.has(CURRENT)) : undefined;
    for (const stage of stages) for (const other of secret.versions) other.stages.delete(stage);
    if (previousCurrent) {
      for (const other of secret.versions) other.stages.delete(PREVIOUS);
      previousCurrent.stages.add(PREVIOUS);
    }
    for (const stage of stages) version.stages.add(stage);
    secret.versions.push(version);
    while (secret.versions.length > MAX_VERSIONS) {
      const unlabelled = secret.versions.findIndex((v) => v.stages.size === 0);
      if (unlabelled < 0) break;
      secret.versions.splice(unlabelled, 1);
    }
    secret.lastChangedDate = version.createdDate;
  }

  /**
   * Creates a secret; `arn` (a local-only extension: see {@link SecretStore.seed}) replaces the random one.
   */
  create(input: Input, arn?: string) {
    const name = requiredString(input, 'Name');
    if (!NAME_PATTERN.test(name)) throw invalidParameter('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
    const existing = this.secrets.get(name);
    if (existing?.deletedDate !== undefined) {
      throw new SecretsManagerError('InvalidRequestException', 'You can\'t create this secret because a secret with this name is already scheduled for deletion.');
    }
    if (existing) throw new SecretsManagerError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    const value = readValue(input, false);
    const tags = input['Tags'] ?? [];
    if (!Array.isArray(tags) || tags.some((t) => typeof t?.Key !== 'string' || typeof t?.Value !== 'string')) {
      throw invalidParameter('Tags must be a list of {Key, Value} strings.');
    }
    const created = now();
    const secret: Secret = {
      name,
      arn: arn ?? this.arnFor(name),
      description: optionalString(input, 'Description'),
      kmsKeyId: optionalString(input, 'KmsKeyId'),
      tags,
      createdDate: created,
      lastChangedDate: created,
      versions: [],
    };
    let versionId: string | undefined;
    if (value) {
      versionId = versionToken(input);
      this.addVersion(secret, { versionId, ...value, stages: new Set(), createdDate: created }, [CURRENT]);
    }
    this.secrets.set(name, secret);
    return { ARN: secret.arn, Name: secret.name, ...(versionId ? { VersionId: versionId } : {}) };
  }

  /**
   * Creates a secret under an exact ARN of this server's region and account, as if the account already had it (how
   * the local stack stands in for a secret a template imports by its full ARN, whose random suffix CreateSecret never
   * reproduces). Not an AWS operation: the server offers it at `POST /local/secrets`.
   */
  seed(input: Input) {
    const arn = requiredString(input, 'ARN');
    const prefix = `arn:aws:secretsmanager:${this.region}:${ACCOUNT_ID}:secret:`;
    const name = arn.startsWith(prefix) && /-[A-Za-z0-9]{6}$/.test(arn) ? arn.slice(prefix.length, -7) : '';
    if (!name) throw invalidParameter(`ARN must be a full secret ARN of this server (${prefix}<name>-<6 characters>), got ${arn}`);
    return this.create({ Name: name, SecretString: requiredString(input, 'SecretString') }, arn);
  }

  put(input: Input) {
    const secret = this.live(requiredString(input, 'SecretId'));
    const value = readValue(input, true) as Pick<SecretVersion, 'secretString' | 'secretBinary'>;
    const versionId = versionToken(input);
    const stages = readStages(input);
    const existing = secret.versions.find((v) => v.versionId === versionId);
    if (existing) {
      // A retried request with the same token is idempotent; the same token with another value is refused.
      if (!sameValue(existing, value)) {
        throw new SecretsManagerError('ResourceExistsException', `A resource with the ID you requested already exists: version ${versionId} has a different value.`);
      }
      return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...existing.stages] };
    }
    const version: SecretVersion = { versionId, ...value, stages: new Set(), createdDate: now() };
    this.addVersion(secret, version, stages);
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...version.stages] };
  }

  getValue(input: Input) {
    const secret = this.live(requiredString(input, 'SecretId'));
    const versionId = optionalString(input, 'VersionId');
    const stage = optionalString(input, 'VersionStage');
    const version = versionId
      ? secret.versions.find((v) => v.versionId === versionId && (!stage || v.stages.has(stage)))
      : secret.versions.find((v) => v.stages.has(stage ?? CURRENT));
    if (!version) {
      throw new SecretsManagerError(
        'ResourceNotFoundException',
        versionId ? `Secrets Manager can't find the specified secret value for VersionId: ${versionId}` : `Secrets Manager can't find the specified secret value for staging label: ${stage ?? CURRENT}`,
      );
    }
    secret.lastAccessedDate = Math.floor(now() / 86_400) * 86_400;
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...(version.secretString !== undefined ? { SecretString: version.secretString } : { SecretBinary: version.secretBinary }),
      VersionStages: [...version.stages],
      CreatedDate: version.createdDate,
    };
  }

  describe(input: Input) {
    const secret = this.find(requiredString(input, 'SecretId'));
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description !== undefined ? { Description: secret.description } : {}),
      ...(secret.kmsKeyId !== undefined ? { KmsKeyId: secret.kmsKeyId } : {}),
      RotationEnabled: false,
      CreatedDate: secret.createdDate,
      LastChangedDate: secret.lastChangedDate,
      ...(secret.lastAccessedDate !== undefined ? { LastAccessedDate: secret.lastAccessedDate } : {}),
      ...(secret.deletedDate !== undefined ? { DeletedDate: secret.deletedDate } : {}),
      Tags: secret.tags,
      VersionIdsToStages: Object.fromEntries(secret.versions.filter((v) => v.stages.size > 0).map((v) => [v.versionId, [...v.stages]])),
    };
  }

  list() {
    return {
      SecretList: [...this.secrets.values()]
        .filter((s) => s.deletedDate === undefined)
        .map((s) => {
          const { VersionIdsToStages, ...rest } = this.describe({ SecretId: s.arn });
          return { ...rest, SecretVersionsToStages: VersionIdsToStages };
        }),
    };
  }

  delete(input: Input) {
    const secret = this.find(requiredString(input, 'SecretId'));
    const force = input['ForceDeleteWithoutRecovery'] === true;
    const window = input['RecoveryWindowInDays'];
    if (force && window !== undefined && window !== null) {
      throw invalidParameter('You can\'t use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.');
    }
    const days = window === undefined || window === null ? 30 : Number(window);
    if (!force && (!Number.isInteger(days) || days < 7 || days > 30)) {
      throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    }
    if (force) {
      this.secrets.delete(secret.name);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: now() };
    }
    if (secret.deletedDate !== undefined) {
      throw new SecretsManagerError('InvalidRequestException', 'You can\'t perform this operation on the secret because it was already scheduled for deletion.');
    }
    secret.deletedDate = now();
    return { ARN: secret.arn, Name: secret.name, DeletionDate: secret.deletedDate + days * 86_400 };
  }

  restore(input: Input) {
    const secret = this.find(requiredString(input, 'SecretId'));
    delete secret.deletedDate;
    return { ARN: secret.arn, Name: secret.name };
  }
}
