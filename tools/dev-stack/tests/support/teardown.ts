import { resetAwsClients } from '@bmx/aws-clients';
import type { TestDatabase } from '@bmx/db/testing';
import { rmSync } from 'node:fs';
import type { ApiProcess } from '../../src';

/** Stops the API process, then drops the test database and the bundles' folder; what each e2e file's afterAll does. */
export async function stopApiAndCleanUp(api: ApiProcess | undefined, database: TestDatabase | undefined, outRoot: string | undefined): Promise<void> {
  api?.child.kill('SIGTERM');
  await api?.exited;
  await database?.db.destroy();
  // pg's pool.end() resolves before its sockets close; a DROP ... WITH FORCE landing first would kill one.
  await new Promise((resolve) => setTimeout(resolve, 250));
  await database?.drop();
  if (outRoot) rmSync(outRoot, { recursive: true, force: true });
  resetAwsClients();
}
