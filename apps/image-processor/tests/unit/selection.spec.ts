import { selectSourceImage, type CandidateImage } from '../../src/source-selection';

const image = (id: number, fields: Partial<CandidateImage> = {}): CandidateImage => ({
  id,
  image_type: null,
  is_primary: false,
  is_background_processed: false,
  display_order: id,
  ...fields,
});

describe('selectSourceImage', () => {
  it('prefers unprocessed images by type: title_page, binding, cover, spine', () => {
    const images = [image(1, { image_type: 'spine' }), image(2, { image_type: 'cover' }), image(3, { image_type: 'binding' }), image(4, { image_type: 'title_page' })];
    expect(selectSourceImage(images, 1)).toEqual({ image: images[3], rule: 'type_priority' });
    expect(selectSourceImage(images.slice(0, 3), 1)?.image.id).toBe(3);
    expect(selectSourceImage(images.slice(0, 2), 1)?.image.id).toBe(2);
    expect(selectSourceImage(images.slice(0, 1), 9)?.image.id).toBe(1);
  });

  it('skips processed images and takes the lowest display order among equals', () => {
    const images = [
      image(1, { image_type: 'cover', is_background_processed: true, display_order: 0 }),
      image(2, { image_type: 'cover', display_order: 5 }),
      image(3, { image_type: 'cover', display_order: 2 }),
    ];
    expect(selectSourceImage(images, 1)?.image.id).toBe(3);
  });

  it('skips images that completed jobs were made from', () => {
    const images = [image(1, { image_type: 'cover' }), image(2, { image_type: 'spine' })];
    expect(selectSourceImage(images, 2, new Set([1]))?.image.id).toBe(2);
    // Everything done: an explicit request processes the requested image again.
    expect(selectSourceImage(images, 1, new Set([1, 2]))).toEqual({ image: images[0], rule: 'requested' });
  });

  it('falls back to the unprocessed primary, then to the requested image', () => {
    const images = [image(1, { image_type: 'detail' }), image(2, { is_primary: true }), image(3, { image_type: 'other' })];
    expect(selectSourceImage(images, 3)).toEqual({ image: images[1], rule: 'primary' });
    const processedPrimary = [image(1, { is_primary: true, is_background_processed: true }), image(3, { image_type: 'other' })];
    expect(selectSourceImage(processedPrimary, 3)).toEqual({ image: processedPrimary[1], rule: 'requested' });
  });

  it('finds nothing when the requested image is gone and nothing else qualifies', () => {
    expect(selectSourceImage([image(1, { is_background_processed: true, image_type: 'cover' })], 2)).toBeUndefined();
    expect(selectSourceImage([], 2)).toBeUndefined();
  });
});
