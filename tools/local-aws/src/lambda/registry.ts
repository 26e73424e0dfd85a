import AdmZip from 'adm-zip';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { LambdaServiceError } from './errors';
import type { RunnableFunction } from './runner';
import { checkRuntime, nodeBinaryFor } from './runtimes';

export { LambdaServiceError };

/** A function's configuration in the shape the Lambda API returns (`FunctionConfiguration`). */
export interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Role: string;
  Handler: string;
  CodeSize: number;
  CodeSha256: string;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  Version: string;
  Environment: { Variables: Record<string, string> };
  State: 'Active' | 'Pending' | 'Inactive' | 'Failed';
  LastUpdateStatus: 'Successful' | 'InProgress' | 'Failed';
  PackageType: 'Zip';
  Architectures: string[];
}

interface Deployment {
  config: FunctionConfiguration;
  codeDir: string;
}

interface StoredFunction {
  latest: Deployment;
  versions: Map<string, Deployment>;
  aliases: Map<string, { Name: string; FunctionVersion: string; Description: string }>;
  nextVersion: number;
}

export const ACCOUNT_ID = '000000000000';

/** Accepts a bare name, `name:qualifier`, or a full or partial function ARN. */
export function parseFunctionRef(ref: string, qualifier?: string): { name: string; qualifier: string } {
  let name = ref;
  let parsedQualifier: string | undefined;
  const arn = /^(?:arn:aws:lambda:[^:]+:\d{12}:function:)?([A-Za-z0-9_-]+)(?::([$A-Za-z0-9_-]+))?$/.exec(ref);
  if (arn) {
    name = arn[1] as string;
    parsedQualifier = arn[2];
  } else {
    throw new LambdaServiceError(400, 'InvalidParameterValueException', `Invalid function name: ${ref}`);
  }
  return { name, qualifier: qualifier ?? parsedQualifier ?? '$LATEST' };
}

/** Holds functions, their published versions and aliases; unpacks each code zip into its own directory. */
export class FunctionRegistry {
  private readonly functions = new Map<string, StoredFunction>();

  constructor(
    private readonly region: string,
    private readonly codeRoot: string,
  ) {}

  private unpack(name: string, zip: Buffer): { codeDir: string; sha: string } {
    const sha = createHash('sha256').update(zip).digest('base64');
    const codeDir = path.join(this.codeRoot, name, createHash('sha256').update(zip).digest('hex').slice(0, 16));
    rmSync(codeDir, { recursive: true, force: true });
    mkdirSync(codeDir, { recursive: true });
    try {
      new AdmZip(zip).extractAllTo(codeDir, true);
    } catch (error) {
      throw new LambdaServiceError(400, 'InvalidParameterValueException', `Could not unzip the uploaded file: ${(error as Error).message}`);
    }
    return { codeDir, sha };
  }

  /** The function's ARN, with `:qualifier` when given. */
  arnOf(name: string, qualifier?: string): string {
    return this.arn(name, qualifier);
  }

  private arn(name: string, qualifier?: string): string {
    return `arn:aws:lambda:${this.region}:${ACCOUNT_ID}:function:${name}${qualifier ? `:${qualifier}` : ''}`;
  }

  private stored(name: string): StoredFunction {
    const fn = this.functions.get(name);
    if (!fn) throw new LambdaServiceError(404, 'ResourceNotFoundException', `Function not found: ${this.arn(name)}`);
    return fn;
  }

  create(input: {
    FunctionName: string;
    Runtime?: string;
    Role?: string;
    Handler?: string;
    Code?: { ZipFile?: string };
    Description?: string;
    Timeout?: number;
    MemorySize?: number;
    Environment?: { Variables?: Record<string, string> };
    Publish?: boolean;
  }): FunctionConfiguration {
    const { name } = parseFunctionRef(input.FunctionName ?? '');
    if (this.functions.has(name)) {
      throw new LambdaServiceError(409, 'ResourceConflictException', `Function already exist: ${name}`);
    }
    if (!input.Code?.ZipFile) throw new LambdaServiceError(400, 'InvalidParameterValueException', 'Code.ZipFile is required');
    if (!input.Handler) throw new LambdaServiceError(400, 'InvalidParameterValueException', 'Handler is required');
    // Checked before the zip is unpacked: a function the server cannot run is never created.
    checkRuntime(input.Runtime);
    const zip = Buffer.from(input.Code.ZipFile, 'base64');
    const { codeDir, sha } = this.unpack(name, zip);
    const config: FunctionConfiguration = {
      FunctionName: name,
      FunctionArn: this.arn(name),
      Runtime: input.Runtime as string,
      Role: input.Role ?? `arn:aws:iam::${ACCOUNT_ID}:role/local`,
      Handler: input.Handler,
      CodeSize: zip.length,
      CodeSha256: sha,
      Description: input.Description ?? '',
      Timeout: input.Timeout ?? 3,
      MemorySize: input.MemorySize ?? 128,
      LastModified: new Date().toISOString(),
      Version: '$LATEST',
      Environment: { Variables: { ...(input.Environment?.Variables ?? {}) } },
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
    };
    this.functions.set(name, { latest: { config, codeDir }, versions: new Map(), aliases: new Map(), nextVersion: 1 });
    if (input.Publish) this.publish(name);
    return config;
  }

  updateCode(ref: string, input: { ZipFile?: string; Publish?: boolean }): FunctionConfiguration {
    const fn = this.stored(parseFunctionRef(ref).name);
    if (!input.ZipFile) throw new LambdaServiceError(400, 'InvalidParameterValueException', 'ZipFile is required');
    const zip = Buffer.from(input.ZipFile, 'base64');
    const { codeDir, sha } = this.unpack(fn.latest.config.FunctionName, zip);
    fn.latest = {
      codeDir,
      config: { ...fn.latest.config, CodeSize: zip.length, CodeSha256: sha, LastModified: new Date().toISOString() },
    };
    if (input.Publish) this.publish(fn.latest.config.FunctionName);
    return fn.latest.config;
  }

  updateConfiguration(
    ref: string,
    input: Partial<Pick<FunctionConfiguration, 'Handler' | 'Runtime' | 'Timeout' | 'MemorySize' | 'Description' | 'Role'>> & {
      Environment?: { Variables?: Record<string, string> };
    },
  ): FunctionConfiguration {
    const fn = this.stored(parseFunctionRef(ref).name);
    if (input.Runtime !== undefined) checkRuntime(input.Runtime);
    const { Environment, ...rest } = input;
    fn.latest.config = {
      ...fn.latest.config,
      ...Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)),
      ...(Environment ? { Environment: { Variables: { ...(Environment.Variables ?? {}) } } } : {}),
      LastModified: new Date().toISOString(),
    };
    return fn.latest.config;
  }

  publish(ref: string): FunctionConfiguration {
    const fn = this.stored(parseFunctionRef(ref).name);
    const version = String(fn.nextVersion++);
    const config = { ...fn.latest.config, Version: version, FunctionArn: this.arn(fn.latest.config.FunctionName, version) };
    fn.versions.set(version, { config, codeDir: fn.latest.codeDir });
    return config;
  }

  listVersions(ref: string): FunctionConfiguration[] {
    const fn = this.stored(parseFunctionRef(ref).name);
    return [fn.latest.config, ...[...fn.versions.values()].map((d) => d.config)];
  }

  putAlias(ref: string, alias: { Name: string; FunctionVersion: string; Description?: string }, mustExist: boolean) {
    const fn = this.stored(parseFunctionRef(ref).name);
    const exists = fn.aliases.has(alias.Name);
    if (mustExist && !exists) throw new LambdaServiceError(404, 'ResourceNotFoundException', `Alias not found: ${alias.Name}`);
    if (!mustExist && exists) throw new LambdaServiceError(409, 'ResourceConflictException', `Alias already exists: ${alias.Name}`);
    if (alias.FunctionVersion !== '$LATEST' && !fn.versions.has(alias.FunctionVersion)) {
      throw new LambdaServiceError(404, 'ResourceNotFoundException', `Version not found: ${alias.FunctionVersion}`);
    }
    const stored = { Name: alias.Name, FunctionVersion: alias.FunctionVersion, Description: alias.Description ?? '' };
    fn.aliases.set(alias.Name, stored);
    return { ...stored, AliasArn: this.arn(fn.latest.config.FunctionName, alias.Name) };
  }

  getAlias(ref: string, name: string) {
    const fn = this.stored(parseFunctionRef(ref).name);
    const alias = fn.aliases.get(name);
    if (!alias) throw new LambdaServiceError(404, 'ResourceNotFoundException', `Alias not found: ${name}`);
    return { ...alias, AliasArn: this.arn(fn.latest.config.FunctionName, name) };
  }

  /** Resolves `$LATEST`, a version number or an alias to the deployment it names. */
  resolve(ref: string, qualifier?: string): Deployment {
    const parsed = parseFunctionRef(ref, qualifier);
    const fn = this.stored(parsed.name);
    if (parsed.qualifier === '$LATEST') return fn.latest;
    const alias = fn.aliases.get(parsed.qualifier);
    const version = alias ? alias.FunctionVersion : parsed.qualifier;
    if (version === '$LATEST') return fn.latest;
    const deployment = fn.versions.get(version);
    if (!deployment) {
      throw new LambdaServiceError(404, 'ResourceNotFoundException', `Function not found: ${this.arn(parsed.name, parsed.qualifier)}`);
    }
    return deployment;
  }

  runnable(ref: string, qualifier?: string): RunnableFunction {
    const { config, codeDir } = this.resolve(ref, qualifier);
    return {
      functionName: config.FunctionName,
      version: config.Version,
      codeDir,
      nodeBinary: nodeBinaryFor(config.Runtime),
      handler: config.Handler,
      timeoutSeconds: config.Timeout,
      memorySize: config.MemorySize,
      environment: config.Environment.Variables,
    };
  }

  delete(ref: string): void {
    const { name } = parseFunctionRef(ref);
    this.stored(name);
    this.functions.delete(name);
  }

  list(): FunctionConfiguration[] {
    return [...this.functions.values()].map((fn) => fn.latest.config);
  }

  names(): string[] {
    return [...this.functions.keys()];
  }
}
