import { DEFAULT_JOB_STALE_AFTER_SECONDS, jobStaleAfterSeconds, orderAfterProcessedInsert, type OrderedImage } from '../../src';

const image = (id: number, display_order: number): OrderedImage => ({ id, display_order });

describe('orderAfterProcessedInsert', () => {
  it('numbers the others 1..n in their order (ties by id) and puts the source last', () => {
    const images = [image(10, 0), image(11, 1), image(13, 2), image(12, 2)];
    expect(orderAfterProcessedInsert(images, 10)).toEqual([
      [11, 1],
      [12, 2],
      [13, 3],
      [10, 4],
    ]);
  });

  it('works when the source is not among the images', () => {
    expect(orderAfterProcessedInsert([image(5, 3)], 99)).toEqual([[5, 1]]);
  });
});

describe('jobStaleAfterSeconds', () => {
  it('reads the stuck-after setting from IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS, naming it when bad', () => {
    expect(jobStaleAfterSeconds({})).toBe(DEFAULT_JOB_STALE_AFTER_SECONDS);
    expect(jobStaleAfterSeconds({ IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS: '45' })).toBe(45);
    expect(() => jobStaleAfterSeconds({ IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS: '0' })).toThrow(/^IMAGE_JOBS_VISIBILITY_TIMEOUT_SECONDS: /);
  });
});
