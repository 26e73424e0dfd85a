/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long. Default 30 s. */
  timeoutMs?: number;
  /** Pause between probes. Default 250 ms. */
  everyMs?: number;
}

/**
 * Polls `probe` until it returns something other than `undefined` or `false`, and returns that; throws
 * `timed out after … waiting for <what>` once `timeoutMs` has passed; an error thrown by the probe ends the wait.
 * For tests of asynchronous work behind the local servers (pollers, queues, schedules), which have nothing to await.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, options: WaitForOptions = {}): Promise<T> {
  const { timeoutMs = 30_000, everyMs = 250 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
