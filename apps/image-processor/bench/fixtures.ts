// The fixture photos: books on plain, noisy, wooden and dark surfaces, some with a lamp shadow, each with its exact
// mask. Shared by the fixture writer, the fixture test and the benchmark.
import type { SyntheticOptions } from '../tests/support/synthetic';

/** One fixture: how it is drawn and the IoU the segmentation must reach on it. */
export interface FixtureSpec {
  name: string;
  options: SyntheticOptions;
  /** Lowest acceptable IoU: just under (about 0.005) what opencv-grabcut-polygon-v3 measures. */
  minIoU: number;
}

export const FIXTURES: readonly FixtureSpec[] = [
  { name: 'plain-red', options: { surface: 'plain', cover: [150, 30, 40], seed: 11 }, minIoU: 0.925 },
  { name: 'plain-cream', options: { surface: 'plain', cover: [200, 200, 190], seed: 12, angle: -4 }, minIoU: 0.93 },
  { name: 'noisy-blue', options: { surface: 'noisy', cover: [30, 60, 120], seed: 13, angle: 12 }, minIoU: 0.925 },
  { name: 'wood-green', options: { surface: 'wood', cover: [120, 150, 110], seed: 14 }, minIoU: 0.98 },
  { name: 'dark-cream', options: { surface: 'dark', cover: [200, 200, 190], seed: 15, angle: 20 }, minIoU: 0.98 },
  { name: 'plain-red-shadow', options: { surface: 'plain', cover: [150, 30, 40], seed: 16, shadow: true }, minIoU: 0.98 },
  { name: 'wood-blue-shadow', options: { surface: 'wood', cover: [30, 60, 120], seed: 17, shadow: true }, minIoU: 0.98 },
].map((f) => ({ ...f, options: { width: 400, height: 300, ...f.options } as SyntheticOptions }));
