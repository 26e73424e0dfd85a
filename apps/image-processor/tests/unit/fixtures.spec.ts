// Mask quality on the committed fixture photos (bench/make-fixtures.ts), against their exact masks.
import { FIXTURES } from '../../bench/fixtures';
import { intersectionOverUnion } from '../../src/background/quality';
import { removeBackground } from '../../src/background/remove-background';
import { loadFixture } from '../support/fixtures';

// Pixel loops run several times slower under Jest than in node (typed arrays cross the sandbox's realm), and the
// machines are shared: a photo here is a correctness check, its speed is measured in bench/process.bench.ts.
jest.setTimeout(120_000);

describe('fixture photos', () => {
  it.each(FIXTURES.map((f) => [f.name, f.minIoU] as const))('%s reaches IoU ≥ %s', async (name, minIoU) => {
    const fixture = await loadFixture(name);
    const result = await removeBackground(fixture.photo, {
      includeMask: true,
    });
    expect(result.stats.sourceWidth).toBe(fixture.width);
    expect(intersectionOverUnion(result.mask!, fixture.mask)).toBeGreaterThanOrEqual(minIoU);
  });
});
