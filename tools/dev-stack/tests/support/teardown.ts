import { resetAwsClients } from '@bmx/aws-clients';
import type { TestDatabase } from '@bmx/db/testing';
import type { TestDeployment } from '@bmx/deploy/testing';
import type { ApiProcess } from '../../src';

/** Stops the API process and the test's Lambdas, then drops the test database; what each e2e file's afterAll does. */
export async function stopApiAndCleanUp(api: ApiProcess | undefined, database: TestDatabase | undefined, deployment: TestDeployment | undefined): Promise<void> {
  api?.child.kill('SIGTERM');
  await api?.exited;
  // The functions' warm processes hold connections to the database: retire them first.
  await deployment?.remove();
  await database?.db.destroy();
  // pg's pool.end() resolves before its sockets close; a DROP ... WITH FORCE landing first would kill one.
  await new Promise((resolve) => setTimeout(resolve, 250));
  await database?.drop();
  resetAwsClients();
}
