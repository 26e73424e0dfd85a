// The real photos in tests/fixtures/photos: IoU against the outlines in masks.json, and a result for the others.
// Floors sit a little under the values bench/process.bench.ts measures, so a regression fails and noise does not.
import { intersectionOverUnion } from '../../src/background/quality';
import { removeBackground } from '../../src/background/remove-background';
import { outlineMask, realPhotos } from '../support/photos';

// Pixel loops run several times slower under Jest than in node (typed arrays cross the sandbox's realm), and the
// machines are shared: a photo here is a correctness check, its speed is measured in bench/process.bench.ts.
jest.setTimeout(120_000);

const FLOORS: Record<string, number> = {
  'rubaiyat-3.jpg': 0.96, // cover, blue backdrop
  'rubaiyat-4.jpg': 0.78, // spine, 53 px wide
  'rubaiyat-6.jpg': 0.86, // fore-edge
  'rubaiyat-7.jpg': 0.96, // cover
};

/** Photos without an outline: the share of the frame the result covers (measured, rounded down). */
const COVERAGE_FLOORS: Record<string, number> = {
  'rubaiyat-8.jpg': 0.8, // open boards on white
  'dante-thumb-portrait.jpg': 0.85, // a plate filling the frame
  'carol-titlepage.jpg': 0.7, // an open spread running off the left and top edges, on white
};

const photos = realPhotos();

describe('real photos', () => {
  it('has a floor for every photo', () => {
    expect(photos.filter((p) => p.outline).map((p) => p.name)).toEqual(Object.keys(FLOORS).sort());
    expect(photos.filter((p) => !p.outline).map((p) => p.name)).toEqual(Object.keys(COVERAGE_FLOORS).sort());
  });

  it.each(photos.filter((p) => p.outline).map((p) => [p.name, FLOORS[p.name], p] as const))('%s reaches IoU ≥ %s', async (_name, floor, photo) => {
    const result = await removeBackground(photo.bytes, { includeMask: true });
    const truth = await outlineMask(photo.outline!, result.stats.sourceWidth, result.stats.sourceHeight);
    expect(intersectionOverUnion(result.mask!, truth)).toBeGreaterThanOrEqual(floor!);
  });

  it.each(photos.filter((p) => !p.outline).map((p) => [p.name, COVERAGE_FLOORS[p.name], p] as const))(
    '%s gets a result covering at least %s of the frame',
    async (_name, floor, photo) => {
      // Interior shots and open boards fill the frame: the result is the page or board region, not a fragment.
      const result = await removeBackground(photo.bytes);
      expect(result.stats.coverage).toBeGreaterThanOrEqual(floor as number);
    },
  );
});
