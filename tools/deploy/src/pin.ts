import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { esbuildTarget } from './bundle';
import { RUNTIMES } from './schema';

const repoRoot = path.resolve(__dirname, '../../..');
const libDir = path.join(repoRoot, 'libs/aws-clients');

/** How an app consumes `@bmx/aws-clients`: the workspace source, or a pinned copy at a fixed version. */
export interface AwsClientsPin {
  version: string;
  /** esbuild alias to the pinned copy; absent when the app follows the workspace lib. */
  alias?: Record<string, string>;
}

/**
 * sha256 of the lib's sources (every file under libs/aws-clients/src, path and content, in path order): what the
 * pinned copy was built from. The version alone cannot tell a changed lib from the pinned one.
 */
export function awsClientsSourceHash(dir: string = libDir): string {
  const hash = createHash('sha256');
  const src = path.join(dir, 'src');
  const files = readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(src, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(path.join(src, file))).update('\0');
  return hash.digest('hex');
}

/** The line of the pinned copy's header that records the source it was built from. */
const SOURCE_HASH_LINE = /^\/\/ source sha256: ([0-9a-f]{64})$/m;

function readVersion(dir: string): string {
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Where an app keeps its pinned copy of the lib at `version`. */
export function pinnedCopyPath(appDir: string, version: string): string {
  // `.js` holding an ES module: esbuild reads its syntax, and Jest (whose SWC transform takes .js) runs the app's tests on it.
  return path.join(appDir, 'pinned', `aws-clients-${version}.js`);
}

/** The package.json field that pins workspace libraries (npm's own `dependencies` keep `"*"`, so installs never break). */
export const PIN_FIELD = 'pinnedWorkspaceDependencies';

interface AppPackageJson {
  dependencies?: Record<string, string>;
  [PIN_FIELD]?: Record<string, string>;
}

/**
 * Reads the app's pin: `"pinnedWorkspaceDependencies": { "@bmx/aws-clients": "1.2.3" }` in its package.json pins;
 * without it the app follows the workspace. A pin that disagrees with the lib's version, or whose copy is missing,
 * fails the build with how to move it.
 */
export function resolveAwsClientsPin(appDir: string): AwsClientsPin {
  const app = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8')) as AppPackageJson;
  const wanted = app[PIN_FIELD]?.['@bmx/aws-clients'];
  const libVersion = readVersion(libDir);
  if (!wanted) return { version: libVersion };
  const howToMove = `To move the pin: bump libs/aws-clients/package.json "version", run \`npm run pin:aws-clients -- ${path.relative(repoRoot, appDir)}\`, and commit the new pinned copy with the package.json change.`;
  if (!/^\d+\.\d+\.\d+$/.test(wanted)) {
    throw new Error(`${path.relative(repoRoot, appDir)} pins @bmx/aws-clients as "${wanted}": a pin must be an exact version. ${howToMove}`);
  }
  if (wanted !== libVersion) {
    throw new Error(`${path.relative(repoRoot, appDir)} pins @bmx/aws-clients ${wanted} but libs/aws-clients is ${libVersion}. ${howToMove}`);
  }
  const copy = pinnedCopyPath(appDir, wanted);
  if (!existsSync(copy)) throw new Error(`the pinned copy ${path.relative(repoRoot, copy)} is missing. ${howToMove}`);
  const pinnedHash = SOURCE_HASH_LINE.exec(readFileSync(copy, 'utf8').slice(0, 1000))?.[1];
  const sourceHash = awsClientsSourceHash();
  if (pinnedHash !== sourceHash) {
    throw new Error(
      `libs/aws-clients is still ${libVersion} but its source differs from the copy ${path.relative(repoRoot, appDir)} pinned ` +
        `(source sha256 ${pinnedHash ?? 'not recorded'} in the copy, ${sourceHash} now): a changed lib is a new version. ${howToMove}`,
    );
  }
  return { version: wanted, alias: { '@bmx/aws-clients': copy } };
}

/**
 * Writes the app's pinned copy of the lib at its current version (one readable ES module, not minified, so a pin
 * move is a diff to review; its header records the source hash; the AWS SDK stays a dependency, pinned by the
 * lockfile) and points the app's package.json at that version. Old copies are removed. An ES module, not CommonJS:
 * esbuild drops the parts of it a function never calls (a CommonJS copy is kept whole, and with it every SDK command
 * the lib can send, which the least-privilege test would find in a bundle whose role may not send them).
 */
export async function pinAwsClients(appDir: string): Promise<string> {
  const version = readVersion(libDir);
  const outDir = path.join(appDir, 'pinned');
  mkdirSync(outDir, { recursive: true });
  for (const old of readdirSync(outDir)) if (old.startsWith('aws-clients-')) rmSync(path.join(outDir, old));
  const outfile = pinnedCopyPath(appDir, version);
  await build({
    entryPoints: [path.join(libDir, 'src/index.ts')],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    // The oldest runtime lambda.deploy.json allows; each function's bundle then targets its own.
    target: esbuildTarget(RUNTIMES[RUNTIMES.length - 1]),
    format: 'esm',
    minify: false,
    legalComments: 'none',
    banner: {
      js: [
        `// @bmx/aws-clients ${version}, pinned for ${path.basename(appDir)}. Generated by \`npm run pin:aws-clients\`; do not edit.`,
        `// source sha256: ${awsClientsSourceHash()}`,
      ].join('\n'),
    },
    logLevel: 'silent',
  });
  const pkgPath = path.join(appDir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as AppPackageJson;
  pkg[PIN_FIELD] = { ...(pkg[PIN_FIELD] ?? {}), '@bmx/aws-clients': version };
  writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
  return outfile;
}
