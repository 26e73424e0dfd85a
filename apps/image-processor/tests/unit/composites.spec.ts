// Real-looking cases with exact masks (tests/support/composites.ts): a real book laid on a real backdrop from
// another photo. Floors sit just under (about 0.005) the values bench/process.bench.ts measures.
import { intersectionOverUnion } from '../../src/background/quality';
import { removeBackground } from '../../src/background/remove-background';
import { COMPOSITE_RECIPES, compositeCase } from '../support/composites';

// Pixel loops run several times slower under Jest than in node (typed arrays cross the sandbox's realm), and the
// machines are shared: a photo here is a correctness check, its speed is measured in bench/process.bench.ts.
jest.setTimeout(120_000);

const FLOORS: Record<string, number> = {
  'cover-on-wall': 0.985, // measured 0.990
  'spine-on-blue': 0.965, // 0.971
};

describe('composites of real photos', () => {
  it('has a floor for every recipe', () => {
    expect(COMPOSITE_RECIPES.map((r) => r.name).sort()).toEqual(Object.keys(FLOORS).sort());
  });

  it.each(COMPOSITE_RECIPES.map((r) => [r.name, FLOORS[r.name], r] as const))('%s reaches IoU ≥ %s', async (_name, floor, recipe) => {
    const photo = await compositeCase(recipe);
    const result = await removeBackground(photo.jpeg, { includeMask: true });
    expect(intersectionOverUnion(result.mask!, photo.mask)).toBeGreaterThanOrEqual(floor as number);
  });
});
