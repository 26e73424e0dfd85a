// Mask quality on the committed fixture photos (bench/make-fixtures.ts), against their exact masks.
import { FIXTURES } from '../../bench/fixtures';
import { intersectionOverUnion } from '../../src/background/mask';
import { removeBackground } from '../../src/background/remove-background';
import { loadFixture } from '../support/fixtures';

describe('fixture photos', () => {
  it.each(FIXTURES.map((f) => [f.name, f.minIoU] as const))('%s reaches IoU ≥ %s', async (name, minIoU) => {
    const fixture = await loadFixture(name);
    const result = await removeBackground(fixture.photo, { includeMask: true });
    expect(result.stats.sourceWidth).toBe(fixture.width);
    expect(intersectionOverUnion(result.mask!, fixture.mask)).toBeGreaterThanOrEqual(minIoU);
  });
});
