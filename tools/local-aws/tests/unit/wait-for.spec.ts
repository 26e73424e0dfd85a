import { waitFor } from '../../src';

describe('waitFor', () => {
  it('returns the first value that is neither undefined nor false, probing until then', async () => {
    const answers: (number | undefined | false)[] = [undefined, false, 0, 5];
    let probes = 0;
    await expect(waitFor('a value', async () => answers[probes++], { everyMs: 1 })).resolves.toBe(0);
    expect(probes).toBe(3);
  });

  it('names what it waited for when it gives up, and passes a probe error through', async () => {
    await expect(waitFor('the moon', async () => undefined, { timeoutMs: 20, everyMs: 5 })).rejects.toThrow(/timed out after 20 ms waiting for the moon/);
    await expect(waitFor('anything', async () => Promise.reject(new Error('probe broke')))).rejects.toThrow('probe broke');
  });
});
