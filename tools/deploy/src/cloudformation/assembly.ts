// Reads a synthesized cloud assembly (a `cdk.out` folder): manifest.json, each stack's template, and the asset
// manifests that say which file each `S3Key` of a template is.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TemplateError } from './intrinsics';

/** One resource of a CloudFormation template. */
export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Metadata?: Record<string, unknown>;
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  UpdatePolicy?: unknown;
  CreationPolicy?: unknown;
}

/** A CloudFormation template, as `cdk synth` writes it. */
export interface Template {
  Parameters?: Record<string, { Type: string; Default?: unknown; Description?: string }>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
  Rules?: Record<string, unknown>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown }; Description?: string }>;
}

/** A file asset: where the template says it is uploaded, and where it is in the assembly. */
export interface FileAsset {
  /** As the template writes it (`cdk-…-assets-${AWS::AccountId}-${AWS::Region}`), placeholders unresolved. */
  bucketName: string;
  objectKey: string;
  /** Absolute path of the file or folder in the assembly. */
  path: string;
  /** `file`: uploaded as is (the zips `nx bundle` writes); `zip`: a folder to be zipped. */
  packaging: 'file' | 'zip';
}

/** One stack of the assembly. */
export interface AssemblyStack {
  /** The artifact id in manifest.json. */
  id: string;
  /** The CloudFormation stack name. */
  stackName: string;
  templateFile: string;
  template: Template;
  /** Ids of the stacks this one depends on (deployed first). */
  dependencies: string[];
  /** File assets by object key. */
  assets: Map<string, FileAsset>;
}

interface ManifestArtifact {
  type: string;
  properties?: { templateFile?: string; stackName?: string; file?: string; directoryName?: string };
  dependencies?: string[];
}

interface AssetManifest {
  files?: Record<string, { source: { path?: string; packaging?: 'file' | 'zip'; executable?: string[] }; destinations: Record<string, { bucketName: string; objectKey: string }> }>;
  dockerImages?: Record<string, unknown>;
}

function readJson<T>(file: string, what: string): T {
  if (!existsSync(file)) throw new TemplateError(`${file} is missing: ${what}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new TemplateError(`${file} is not JSON: ${(error as Error).message}`);
  }
}

function readAssets(dir: string, file: string): Map<string, FileAsset> {
  const manifest = readJson<AssetManifest>(path.join(dir, file), 'the asset manifest manifest.json names');
  if (Object.keys(manifest.dockerImages ?? {}).length > 0) throw new TemplateError(`${file}: Docker image assets are not supported locally (Lambdas ship zips)`);
  const assets = new Map<string, FileAsset>();
  for (const [hash, asset] of Object.entries(manifest.files ?? {})) {
    if (!asset.source.path) throw new TemplateError(`${file}: asset ${hash} is built by a command, which the local provisioner does not run`);
    for (const destination of Object.values(asset.destinations)) {
      assets.set(destination.objectKey, {
        bucketName: destination.bucketName,
        objectKey: destination.objectKey,
        path: path.resolve(dir, asset.source.path),
        packaging: asset.source.packaging ?? 'file',
      });
    }
  }
  return assets;
}

function collect(dir: string, into: AssemblyStack[]): void {
  const manifest = readJson<{ artifacts?: Record<string, ManifestArtifact> }>(path.join(dir, 'manifest.json'), 'is this a cloud assembly (cdk.out)?');
  const artifacts = manifest.artifacts ?? {};
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      collect(path.join(dir, artifact.properties.directoryName), into);
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const templateFile = artifact.properties?.templateFile;
    if (!templateFile) throw new TemplateError(`${dir}/manifest.json: stack ${id} names no templateFile`);
    const template = readJson<Template>(path.join(dir, templateFile), `the template of stack ${id}`);
    if (typeof template.Resources !== 'object' || template.Resources === null) throw new TemplateError(`${templateFile}: no Resources`);
    const assets = new Map<string, FileAsset>();
    const dependencies: string[] = [];
    for (const dependency of artifact.dependencies ?? []) {
      const other = artifacts[dependency];
      if (other?.type === 'cdk:asset-manifest' && other.properties?.file) {
        for (const [key, asset] of readAssets(dir, other.properties.file)) assets.set(key, asset);
      } else if (other?.type === 'aws:cloudformation:stack') {
        dependencies.push(dependency);
      }
    }
    into.push({ id, stackName: artifact.properties?.stackName ?? id, templateFile: path.join(dir, templateFile), template, dependencies, assets });
  }
}

/**
 * The stacks of the cloud assembly in `dir`, each after the stacks it depends on. Throws a {@link TemplateError}
 * naming the file for a folder that is not an assembly, a missing template or asset manifest, or a dependency cycle.
 */
export function readCloudAssembly(dir: string): AssemblyStack[] {
  const stacks: AssemblyStack[] = [];
  collect(path.resolve(dir), stacks);
  if (stacks.length === 0) throw new TemplateError(`${dir} holds no CloudFormation stack`);
  const byId = new Map(stacks.map((stack) => [stack.id, stack]));
  const ordered: AssemblyStack[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (stack: AssemblyStack, trail: string[]): void => {
    if (state.get(stack.id) === 'done') return;
    if (state.get(stack.id) === 'visiting') throw new TemplateError(`stacks depend on each other: ${[...trail, stack.id].join(' → ')}`);
    state.set(stack.id, 'visiting');
    for (const dependency of stack.dependencies) {
      const other = byId.get(dependency);
      if (other) visit(other, [...trail, stack.id]);
    }
    state.set(stack.id, 'done');
    ordered.push(stack);
  };
  for (const stack of stacks) visit(stack, []);
  return ordered;
}
