import { runBounded } from '../../src';

describe('runBounded', () => {
  it('runs every item once with at most `concurrency` in flight, each with its index', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: Array<[string, number]> = [];
    await runBounded(['a', 'b', 'c', 'd', 'e'], 2, async (item, index) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5 * ((index % 2) + 1)));
      seen.push([item, index]);
      inFlight--;
    });
    expect(most).toBe(2);
    expect(seen.sort()).toEqual([['a', 0], ['b', 1], ['c', 2], ['d', 3], ['e', 4]]);
  });

  it('runs one at a time, in order, with a concurrency of 1 (or less), and nothing for no items', async () => {
    const order: number[] = [];
    await runBounded([1, 2, 3], 0, async (item) => {
      await new Promise((resolve) => setTimeout(resolve, 4 - item));
      order.push(item);
    });
    expect(order).toEqual([1, 2, 3]);
    await expect(runBounded([], 4, async () => Promise.reject(new Error('never called')))).resolves.toBeUndefined();
  });
});
