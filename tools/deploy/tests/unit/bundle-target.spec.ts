// A bundle's syntax targets the Node.js major of the function's runtime, not the machine's or a fixed one.
import { esbuildTarget, RUNTIMES } from '../../src';

describe('esbuildTarget', () => {
  it.each(RUNTIMES.map((runtime) => [runtime, `node${runtime.slice('nodejs'.length, -'.x'.length)}`]))('%s → %s', (runtime, target) => {
    expect(esbuildTarget(runtime)).toBe(target);
  });

  it('refuses what is not a Lambda Node.js runtime', () => {
    expect(() => esbuildTarget('python3.13' as never)).toThrow('python3.13 is not a Lambda Node.js runtime (nodejs<major>.x)');
  });
});
