/**
 * Deploys the LOCAL scraper stand-in (`scraper-stand-in.ts`) to the local Lambda server, for `npm start` and
 * tests. Never used in AWS: the real scraper is deployed from its own project.
 */
import { CreateFunctionCommand, GetFunctionCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { getLambdaClient } from '@bmx/aws-clients';
import { bundleLambda, zipDirectory } from '@bmx/local-aws';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Options for {@link deployScraperStandIn}. */
export interface DeployStandInOptions {
  /** The function name the API calls (its `SCRAPER_FUNCTION_NAME`), e.g. `bmx-local-scraper`. */
  functionName: string;
  /** Bucket the stand-in writes `listings/{item_id}/` to (the API's `LISTINGS_BUCKET` or `IMAGES_BUCKET`). */
  bucket: string;
  /** How it behaves; default `ok`. The others exist to test the API's error mapping. */
  mode?: 'ok' | 'rate-limited' | 'bad-gateway' | 'throw';
}

/** Bundles the stand-in and creates the function, or updates its code and configuration when it exists. */
export async function deployScraperStandIn(options: DeployStandInOptions): Promise<void> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'bmx-scraper-stand-in-'));
  try {
    await bundleLambda({ entry: path.join(__dirname, 'scraper-stand-in.ts'), outDir });
    const zip = zipDirectory(outDir);
    const Environment = { Variables: { LISTINGS_BUCKET: options.bucket, SCRAPER_STAND_IN_MODE: options.mode ?? 'ok' } };
    const lambda = getLambdaClient();
    const exists = await lambda.send(new GetFunctionCommand({ FunctionName: options.functionName })).then(
      () => true,
      (error: { name?: string }) => {
        if (error.name === 'ResourceNotFoundException') return false;
        throw error;
      },
    );
    if (exists) {
      await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: options.functionName, ZipFile: zip }));
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: options.functionName, Environment }));
      return;
    }
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: options.functionName,
        Runtime: 'nodejs20.x',
        Role: 'arn:aws:iam::000000000000:role/bmx-local-scraper-stand-in',
        Handler: 'index.handler',
        Timeout: 60,
        Description: 'LOCAL STAND-IN for the listing scraper',
        Code: { ZipFile: zip },
        Environment,
      }),
    );
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
