/**
 * Runs `work` on every item with at most `concurrency` at once, each worker taking the next item when it is free, and
 * resolves when all are done. The one bounded-concurrency helper of the workspace: batch sends here, SQS batch
 * records in @bmx/lambda-kit's `sqsBatch`. A `work` that throws rejects the whole run; callers that must finish
 * every item catch inside `work`.
 */
export async function runBounded<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(workers);
}
