/** Jest globalTeardown: stops the local AWS started by global-setup, so nothing is left running. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__LOCAL_AWS__?.stop();
  globalThis.__LOCAL_AWS__ = undefined;
}
