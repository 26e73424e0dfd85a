import sharp from 'sharp';
import { intersectionOverUnion, largestComponent, fillHoles, morph, kMeansColours } from '../../src/background/mask';
import { removeBackground, SubjectNotFoundError } from '../../src/background/remove-background';
import { blankImage, syntheticBookPhoto, toJpeg, type Surface } from '../support/synthetic';

describe('mask building blocks', () => {
  it('dilates and erodes with a square window, ignoring pixels outside the image', () => {
    const mask = new Uint8Array(7 * 5);
    mask[2 * 7 + 3] = 1;
    const grown = morph(mask, 7, 5, 1, 'max');
    expect(grown.reduce((a, b) => a + b, 0)).toBe(9);
    expect(morph(grown, 7, 5, 1, 'min')).toEqual(mask);
    // A full mask stays full under erosion: the frame is not background.
    expect(morph(new Uint8Array(35).fill(1), 7, 5, 2, 'min').every((v) => v === 1)).toBe(true);
  });

  it('keeps the largest component and fills the holes inside it', () => {
    const w = 8;
    const rows = ['11000000', '11001111', '00001001', '00001111', '00000000'];
    const mask = Uint8Array.from(rows.join('').split('').map(Number));
    const { mask: largest, area, box } = largestComponent(mask, w, 5);
    expect(area).toBe(10);
    expect(box).toEqual({ left: 4, top: 1, width: 4, height: 3 });
    const filled = fillHoles(largest, w, 5);
    expect(filled.reduce((a, b) => a + b, 0)).toBe(12);
  });

  it('finds the two colours of a two-colour border', () => {
    const samples = new Float32Array([10, 10, 10, 12, 12, 12, 200, 100, 50, 202, 98, 52, 11, 11, 11, 201, 99, 51]);
    const centres = kMeansColours(samples, 2).map((c) => c.centre.map(Math.round));
    expect(centres).toEqual(expect.arrayContaining([[11, 11, 11], [201, 99, 51]]));
  });

  it('measures intersection over union', () => {
    expect(intersectionOverUnion(Uint8Array.from([1, 1, 0, 0]), Uint8Array.from([0, 1, 1, 0]))).toBeCloseTo(1 / 3);
    expect(intersectionOverUnion(new Uint8Array(3), new Uint8Array(3))).toBe(1);
  });
});

describe('removeBackground on synthetic photos with a known mask', () => {
  // Floors: the plain surface loses the thin cream page edge, whose colour is within the threshold of the paper.
  const cases: Array<{ surface: Surface; cover: [number, number, number]; floor: number }> = [
    { surface: 'plain', cover: [150, 30, 40], floor: 0.9 },
    { surface: 'plain', cover: [200, 200, 190], floor: 0.9 },
    { surface: 'noisy', cover: [30, 60, 120], floor: 0.9 },
    { surface: 'wood', cover: [120, 150, 110], floor: 0.9 },
    { surface: 'dark', cover: [200, 200, 190], floor: 0.9 },
  ];

  it.each(cases)('finds the book on a $surface surface (cover $cover) with IoU ≥ $floor', async ({ surface, cover, floor }) => {
    const photo = syntheticBookPhoto({ surface, cover, width: 480, height: 360 });
    const result = await removeBackground(await toJpeg(photo), { includeMask: true });
    expect(intersectionOverUnion(result.mask!, photo.mask)).toBeGreaterThanOrEqual(floor);
    const meta = await sharp(result.png).metadata();
    expect(meta.format).toBe('png');
    expect([meta.width, meta.height]).toEqual([result.stats.outputWidth, result.stats.outputHeight]);
    // Cropped to the subject plus a margin: smaller than the photo, larger than the subject.
    expect(result.stats.outputWidth).toBeLessThan(480);
    expect(result.stats.outputWidth).toBeGreaterThan(result.stats.subject.width);
  });

  it('works on photos larger than the working size (mask computed on a reduced copy, applied at full size)', async () => {
    // 1000×750 keeps the test quick; bench/process.bench.ts runs 2-megapixel photos.
    const photo = syntheticBookPhoto({ surface: 'wood', width: 1000, height: 750, seed: 7 });
    const result = await removeBackground(await toJpeg(photo), { includeMask: true });
    expect(result.stats.sourceWidth).toBe(1000);
    expect(intersectionOverUnion(result.mask!, photo.mask)).toBeGreaterThanOrEqual(0.9);
  });

  it('treats a cast shadow as background, and keeps a cream book on white paper although it looks like one', async () => {
    const shadowed = syntheticBookPhoto({ surface: 'plain', shadow: true, seed: 5 });
    const bytes = await toJpeg(shadowed);
    const withSuppression = await removeBackground(bytes, { includeMask: true });
    const without = await removeBackground(bytes, { includeMask: true, segment: { suppressShadows: false } });
    expect(intersectionOverUnion(withSuppression.mask!, shadowed.mask)).toBeGreaterThanOrEqual(0.9);
    expect(intersectionOverUnion(without.mask!, shadowed.mask)).toBeLessThan(0.85);

    const cream = syntheticBookPhoto({ surface: 'plain', cover: [205, 203, 195], seed: 6 });
    const result = await removeBackground(await toJpeg(cream), { includeMask: true });
    expect(intersectionOverUnion(result.mask!, cream.mask)).toBeGreaterThanOrEqual(0.9);
  });

  it('puts a dark book on black and a light book on white, by the mean brightness of the subject', async () => {
    const dark = await removeBackground(await toJpeg(syntheticBookPhoto({ cover: [40, 30, 80] })));
    expect(dark.stats.meanBrightness).toBeLessThan(128);
    expect(dark.stats.background).toBe('black');
    const light = await removeBackground(await toJpeg(syntheticBookPhoto({ cover: [200, 200, 190], surface: 'dark' })));
    expect(light.stats.meanBrightness).toBeGreaterThanOrEqual(128);
    expect(light.stats.background).toBe('white');
    // The margin is filled with the chosen colour.
    const corner = await sharp(light.png).extract({ left: 0, top: 0, width: 1, height: 1 }).raw().toBuffer();
    expect([...corner]).toEqual([255, 255, 255]);
    const darkCorner = await sharp(dark.png).extract({ left: 0, top: 0, width: 1, height: 1 }).raw().toBuffer();
    expect([...darkCorner]).toEqual([0, 0, 0]);
  });

  it.each([
    ['grey 8-bit PNG', (i: sharp.Sharp) => i.toColourspace('b-w').png()],
    ['grey 16-bit PNG', (i: sharp.Sharp) => i.toColourspace('grey16').png()],
    ['RGB 16-bit PNG', (i: sharp.Sharp) => i.toColourspace('rgb16').png()],
    ['CMYK JPEG', (i: sharp.Sharp) => i.toColourspace('cmyk').jpeg()],
    ['RGBA PNG', (i: sharp.Sharp) => i.ensureAlpha(0.6).png()],
    ['WebP', (i: sharp.Sharp) => i.webp()],
  ])('handles a %s upload', async (_name, encode) => {
    const photo = syntheticBookPhoto({ surface: 'wood', cover: [30, 60, 120] });
    const bytes = await encode(sharp(photo.rgb, { raw: { width: photo.width, height: photo.height, channels: 3 } })).toBuffer();
    const result = await removeBackground(bytes, { includeMask: true });
    expect(intersectionOverUnion(result.mask!, photo.mask)).toBeGreaterThanOrEqual(0.9);
  });

  it('fails when nothing stands out from the background', async () => {
    await expect(removeBackground(await blankImage(400, 300))).rejects.toThrow(SubjectNotFoundError);
  });

  it('fails when the subject is under the minimum size', async () => {
    const photo = syntheticBookPhoto({ width: 400, height: 300, bookWidth: 0.15, bookHeight: 0.2 });
    await expect(removeBackground(await toJpeg(photo))).rejects.toThrow(/under the 100 px minimum/);
  });

  it('rejects bytes that are not an image', async () => {
    await expect(removeBackground(Buffer.from('definitely not an image'))).rejects.toThrow();
  });
});
