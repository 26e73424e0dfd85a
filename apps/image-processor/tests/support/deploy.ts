// The processor as `nx bundle` ships it (bundleApp: the pinned aws-clients inlined, sharp beside it), deployed to
// the local Lambda server for one e2e test file.
import { CreateFunctionCommand, DeleteFunctionCommand } from '@aws-sdk/client-lambda';
import { getLambdaClient } from '@bmx/aws-clients';
import { bundleApp, type BundleManifest } from '@bmx/deploy';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const appDir = path.resolve(__dirname, '../..');

export interface DeployedProcessor {
  /** The bundle's manifest.json: which aws-clients it inlined, its packages and sizes. */
  manifest: BundleManifest;
  /** Deletes the function (if it is still there) and the bundle's build directory. */
  remove(): Promise<void>;
}

/**
 * Bundles the app into a temporary directory and creates `functionName` from the zip, with the function's own
 * `environment` (the database and bucket of the test). A minute's timeout and 1 GiB, as the tests need, not the
 * production settings.
 */
export async function deployProcessorForTest(options: { functionName: string; environment: Record<string, string> }): Promise<DeployedProcessor> {
  const buildDir = mkdtempSync(path.join(tmpdir(), 'imgproc-bundle-'));
  const removeBuild = () => rmSync(buildDir, { recursive: true, force: true });
  try {
    const [built] = await bundleApp(appDir, { outRoot: buildDir });
    const manifest = JSON.parse(readFileSync(path.join(path.dirname(built!.zipPath), 'manifest.json'), 'utf8')) as BundleManifest;
    await getLambdaClient().send(
      new CreateFunctionCommand({
        FunctionName: options.functionName,
        Runtime: 'nodejs24.x',
        Role: 'arn:aws:iam::000000000000:role/local',
        Handler: 'index.handler',
        Timeout: 60,
        MemorySize: 1024,
        Code: { ZipFile: readFileSync(built!.zipPath) },
        Environment: { Variables: options.environment },
      }),
    );
    return {
      manifest,
      async remove() {
        await getLambdaClient()
          .send(new DeleteFunctionCommand({ FunctionName: options.functionName }))
          .catch(() => undefined);
        removeBuild();
      },
    };
  } catch (error) {
    removeBuild();
    throw error;
  }
}
