import { spawnLocalAws, type LocalAwsProcess } from '../process';

declare global {
  var __LOCAL_AWS__: LocalAwsProcess | undefined;
}

/**
 * Jest globalSetup: starts the local AWS on free loopback ports before any test file runs, and exports its
 * endpoints through process.env, which the test workers inherit.
 */
export default async function globalSetup(): Promise<void> {
  // LOCAL_AWS_VERBOSE=1 shows the Lambda server's and the functions' logs while debugging a test.
  const verbose = process.env['LOCAL_AWS_VERBOSE'] === '1';
  const stack = await spawnLocalAws(verbose ? { args: ['--verbose'], inheritLogs: true } : {});
  globalThis.__LOCAL_AWS__ = stack;
  Object.assign(process.env, stack.env);
}
