import { spawnLocalAws, type LocalAwsProcess } from '../process';

declare global {
  var __LOCAL_AWS__: LocalAwsProcess | undefined;
}

/**
 * Jest globalSetup: starts the local AWS on free loopback ports before any test file runs, and exports its
 * endpoints through process.env, which the test workers inherit.
 */
export default async function globalSetup(): Promise<void> {
  const stack = await spawnLocalAws();
  globalThis.__LOCAL_AWS__ = stack;
  Object.assign(process.env, stack.env);
}
