import { build, type Metafile } from 'esbuild';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_RUNTIME, type RUNTIMES } from './schema';

/** A Lambda Node.js runtime lambda.deploy.json allows. */
export type Runtime = (typeof RUNTIMES)[number];

/** Packages a Lambda bundle never inlines: native addons, and the embedded database (Lambdas use DATABASE_URL). */
export const LAMBDA_EXTERNALS = ['sharp', 'pg-native', '@electric-sql/pglite', 'kysely-pglite-dialect'];

/** Options for {@link bundleLambda}. */
export interface BundleLambdaOptions {
  /** The handler module, e.g. `apps/image-processor/src/handler.ts`. */
  entry: string;
  /** Directory to write `index.js` (+ map) into. */
  outDir: string;
  /** Minify; default true. */
  minify?: boolean;
  /** More packages to leave out of the bundle. */
  external?: string[];
  /** Import specifiers to resolve elsewhere, e.g. a pinned copy of a workspace library. */
  alias?: Record<string, string>;
  /** The Lambda runtime the bundle runs on (`nodejs24.x`); esbuild targets its Node.js major. Default {@link DEFAULT_RUNTIME}. */
  runtime?: Runtime;
}

/** esbuild's `target` for a Lambda Node.js runtime: `nodejs24.x` → `node24`, so syntax is lowered only as far as that runtime needs. */
export function esbuildTarget(runtime: Runtime): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  if (!major) throw new Error(`${runtime} is not a Lambda Node.js runtime (nodejs<major>.x)`);
  return `node${major}`;
}

/**
 * Bundles one handler into `outDir/index.js` (CommonJS for the function's Node.js runtime, AWS SDK inlined), so the Lambda handler
 * string is `index.<export>`. Workspace libraries resolve to their TypeScript source.
 */
export async function bundleLambda(options: BundleLambdaOptions): Promise<string> {
  return (await bundleLambdaWithMetafile(options)).outfile;
}

/** {@link bundleLambda}, also returning esbuild's metafile (which inputs went in, from which packages). */
export async function bundleLambdaWithMetafile(options: BundleLambdaOptions): Promise<{ outfile: string; metafile: Metafile }> {
  mkdirSync(options.outDir, { recursive: true });
  const outfile = path.join(options.outDir, 'index.js');
  const result = await build({
    entryPoints: [options.entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: esbuildTarget(options.runtime ?? DEFAULT_RUNTIME),
    format: 'cjs',
    minify: options.minify ?? true,
    sourcemap: true,
    conditions: ['@bmx/source'],
    external: [...LAMBDA_EXTERNALS, ...(options.external ?? [])],
    logLevel: 'silent',
    legalComments: 'none',
    metafile: true,
    ...(options.alias ? { alias: options.alias } : {}),
  });
  return { outfile, metafile: result.metafile };
}
