import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleLambdaWithMetafile, esbuildTarget } from './bundle';
import { DEFAULT_RUNTIME } from './schema';
import { loadDeployConfig, type FunctionSpec } from './config';
import { SMOKE_TEST_HOOK } from './deploy-hooks';
import { copyPackageClosure } from './native-modules';
import { resolveAwsClientsPin, type AwsClientsPin } from './pin';
import { zipDirectory } from './zip';

export const repoRoot = path.resolve(__dirname, '../../..');

/** One function's built package. */
export interface BuiltFunction {
  spec: FunctionSpec;
  zipPath: string;
  sizeBytes: number;
  sha256: string;
}

/** What `dist/apps/<app>/manifest.json` records. */
export interface BundleManifest {
  app: string;
  commit: string;
  /** The `@bmx/aws-clients` inlined: the workspace lib, or the app's pinned copy. */
  awsClients: { version: string; source: 'workspace' | 'pinned' };
  functions: {
    id: string;
    name: string;
    zip: string;
    sizeBytes: number;
    sha256: string;
    budgetBytes: number;
    /** esbuild's syntax target: the Node.js major of the function's runtime (`node24`). */
    target: string;
    /** npm packages inlined in the bundle or shipped beside it, with their versions. */
    packages: Record<string, string>;
  }[];
  /** The deploy's own functions bundled with the app (the smoke-test hook). */
  hooks: { id: string; zip: string; sizeBytes: number; sha256: string; budgetBytes: number; target: string }[];
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Package name → version of every node_modules package esbuild pulled into the bundle. */
function inlinedPackages(inputs: string[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (const input of inputs) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input.split(path.sep).join('/'));
    if (!match || found[match[1] as string]) continue;
    const name = match[1] as string;
    const dir = input.slice(0, input.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}`.length);
    try {
      found[name] = (JSON.parse(readFileSync(path.resolve(repoRoot, dir, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      found[name] = 'unknown';
    }
  }
  return found;
}

/**
 * esbuild aliases sending each workspace package (`@bmx/db`, ...) to its `@bmx/source` entry in `root`. Without
 * them a package resolves through `node_modules/@bmx/*`, whose symlinks point into whichever checkout ran
 * `npm ci`: a git worktree without its own node_modules (the affected-deploy test's, under `tmp/`) would bundle the
 * main checkout's working copy of the libraries instead of its own commit's, and a lib edited there between two
 * deploys would change the zip of a function whose commit did not change it. Only the package root is mapped
 * (apps import no workspace subpaths; one would fail the bundle rather than resolve elsewhere).
 */
export function workspaceAliases(root: string): Record<string, string> {
  const { workspaces = [] } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces?: string[] };
  const aliases: Record<string, string> = {};
  for (const pattern of workspaces) {
    if (!pattern.endsWith('/*')) throw new Error(`workspace pattern ${pattern} is not "<folder>/*", which bundleApp expects`);
    const parent = path.join(root, pattern.slice(0, -2));
    if (!existsSync(parent)) continue;
    for (const dir of readdirSync(parent, { withFileTypes: true })) {
      const manifest = path.join(parent, dir.name, 'package.json');
      if (!dir.isDirectory() || !existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; exports?: Record<string, unknown> };
      const entry = (pkg.exports?.['.'] as Record<string, string> | undefined)?.['@bmx/source'];
      if (entry) aliases[pkg.name] = path.join(parent, dir.name, entry);
    }
  }
  return aliases;
}

/**
 * Bundles every function of the app (or the `only` ones) into `dist/apps/<app>/<id>/`, zips it to `dist/apps/<app>/<id>.zip`, writes
 * `manifest.json`, and fails when a zip is over its budget or the app's aws-clients pin disagrees with the lib.
 */
export async function bundleApp(appDir: string, options: { outRoot?: string; only?: string[]; log?: (line: string) => void } = {}): Promise<BuiltFunction[]> {
  const log = options.log ?? (() => undefined);
  const all = loadDeployConfig(appDir, 'ENV');
  const unknown = (options.only ?? []).filter((id) => !all.functions.some((fn) => fn.id === id));
  if (unknown.length > 0) throw new Error(`${all.app} has no function ${unknown.join(', ')}`);
  const config = options.only ? { ...all, functions: all.functions.filter((fn) => options.only?.includes(fn.id)) } : all;
  const pin: AwsClientsPin = resolveAwsClientsPin(appDir);
  const appOut = path.join(options.outRoot ?? path.join(repoRoot, 'dist/apps'), config.app);
  const aliases = workspaceAliases(repoRoot);
  const manifest: BundleManifest = {
    app: config.app,
    commit: gitCommit(),
    awsClients: { version: pin.version, source: pin.alias ? 'pinned' : 'workspace' },
    functions: [],
    hooks: [],
  };
  const built: BuiltFunction[] = [];
  const overBudget: string[] = [];
  for (const spec of config.functions) {
    const outDir = path.join(appOut, spec.id);
    rmSync(outDir, { recursive: true, force: true });
    const { metafile } = await bundleLambdaWithMetafile({
      entry: path.join(appDir, spec.entry),
      outDir,
      external: spec.nodeModules,
      alias: { ...aliases, ...pin.alias },
      runtime: spec.runtime,
    });
    const packages = {
      ...inlinedPackages(Object.keys(metafile.inputs)),
      ...copyPackageClosure(spec.nodeModules ?? [], repoRoot, outDir),
      '@bmx/aws-clients': pin.version,
    };
    const zip = zipDirectory(outDir);
    const zipPath = path.join(appOut, `${spec.id}.zip`);
    writeFileSync(zipPath, zip);
    const sha256 = createHash('sha256').update(zip).digest('hex');
    const budgetBytes = spec.budgetKiB * 1024;
    manifest.functions.push({ id: spec.id, name: spec.name, zip: path.relative(repoRoot, zipPath), sizeBytes: zip.length, sha256, budgetBytes, target: esbuildTarget(spec.runtime ?? DEFAULT_RUNTIME), packages });
    built.push({ spec, zipPath, sizeBytes: zip.length, sha256 });
    const kib = (zip.length / 1024).toFixed(1);
    log(`${config.app}/${spec.id}: ${kib} KiB of ${spec.budgetKiB} KiB budget (${((zip.length / budgetBytes) * 100).toFixed(0)}%)`);
    if (zip.length > budgetBytes) overBudget.push(`${spec.id}: ${kib} KiB > ${spec.budgetKiB} KiB`);
  }
  // The smoke-test hook every function of the app stack gets, bundled as the app's functions are.
  {
    const outDir = path.join(appOut, SMOKE_TEST_HOOK.id);
    rmSync(outDir, { recursive: true, force: true });
    await bundleLambdaWithMetafile({ entry: SMOKE_TEST_HOOK.entry, outDir, alias: { ...aliases, ...pin.alias }, runtime: DEFAULT_RUNTIME });
    const zip = zipDirectory(outDir);
    const zipPath = path.join(appOut, `${SMOKE_TEST_HOOK.id}.zip`);
    writeFileSync(zipPath, zip);
    const budgetBytes = SMOKE_TEST_HOOK.budgetKiB * 1024;
    const sha256 = createHash('sha256').update(zip).digest('hex');
    manifest.hooks.push({ id: SMOKE_TEST_HOOK.id, zip: path.relative(repoRoot, zipPath), sizeBytes: zip.length, sha256, budgetBytes, target: esbuildTarget(DEFAULT_RUNTIME) });
    log(`${config.app}/${SMOKE_TEST_HOOK.id}: ${(zip.length / 1024).toFixed(1)} KiB of ${SMOKE_TEST_HOOK.budgetKiB} KiB budget`);
    if (zip.length > budgetBytes) overBudget.push(`${SMOKE_TEST_HOOK.id}: ${(zip.length / 1024).toFixed(1)} KiB > ${SMOKE_TEST_HOOK.budgetKiB} KiB`);
  }
  writeFileSync(path.join(appOut, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (overBudget.length > 0) {
    throw new Error(`bundle over budget (a new import may have pulled in too much): ${overBudget.join('; ')}`);
  }
  return built;
}
