/**
 * Deploys the LOCAL scraper stand-in (`src/local/scraper-stand-in.ts`) under any name and in any mode, through the
 * same deploy code as every other function (@bmx/deploy), for the listing and health tests.
 */
import { bundleLambda, deployFunction, zipDirectory } from '@bmx/deploy';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Options for {@link deployScraperStandIn}. */
export interface DeployStandInOptions {
  /** The function name the API calls (its `SCRAPER_FUNCTION_NAME`). */
  functionName: string;
  /** Bucket the stand-in writes `listings/{item_id}/` to. */
  bucket: string;
  /** How it behaves; default `ok`. The others exist to test the API's error mapping. */
  mode?: 'ok' | 'rate-limited' | 'bad-gateway' | 'throw';
}

/** Creates the function, or updates its code and configuration when it exists. Tests invoke `$LATEST`. */
export async function deployScraperStandIn(options: DeployStandInOptions): Promise<void> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'bmx-scraper-stand-in-'));
  try {
    await bundleLambda({ entry: path.join(__dirname, '../../src/local/scraper-stand-in.ts'), outDir });
    // The smoke test's verdict does not matter here (the failing modes fail it on purpose): tests call $LATEST.
    await deployFunction(
      { id: 'scraper', name: options.functionName, entry: 'src/local/scraper-stand-in.ts', timeout: 60, budgetKiB: 10_240, smokeTest: { smoke_test: true } },
      zipDirectory(outDir),
      { LISTINGS_BUCKET: options.bucket, SCRAPER_STAND_IN_MODE: options.mode ?? 'ok' },
    );
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
