import sharp from 'sharp';
import { intersectionOverUnion } from '../../src/background/quality';
import { removeBackground, SubjectNotFoundError } from '../../src/background/remove-background';
import type { RgbImage, Segmenter } from '../../src/background/segmenter';
import { blankImage, syntheticBookPhoto, toJpeg, type Surface } from '../support/synthetic';

// Pixel loops run several times slower under Jest than in node (typed arrays cross the sandbox's realm), and the
// machines are shared: a photo here is a correctness check, its speed is measured in bench/process.bench.ts.
jest.setTimeout(120_000);

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
    const result = await removeBackground(await toJpeg(shadowed), { includeMask: true });
    expect(intersectionOverUnion(result.mask!, shadowed.mask)).toBeGreaterThanOrEqual(0.9);
    expect(result.stats.segmentation['shadowsAreSubject']).toBe('no');

    const cream = syntheticBookPhoto({ surface: 'plain', cover: [205, 203, 195], seed: 6 });
    const creamResult = await removeBackground(await toJpeg(cream), { includeMask: true });
    expect(intersectionOverUnion(creamResult.mask!, cream.mask)).toBeGreaterThanOrEqual(0.9);
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

  it('fails when the subject is under the minimum size, and accepts a narrow one as long as a spine', async () => {
    const photo = syntheticBookPhoto({ width: 400, height: 300, bookWidth: 0.15, bookHeight: 0.2 });
    await expect(removeBackground(await toJpeg(photo))).rejects.toThrow(/under the 100 px minimum/);
    // 40 px wide but 240 px long: a spine, not a speck.
    const spine = syntheticBookPhoto({ width: 400, height: 300, bookWidth: 0.1, bookHeight: 0.8, angle: 0, surface: 'wood', cover: [30, 60, 120] });
    const result = await removeBackground(await toJpeg(spine), { includeMask: true });
    expect(result.stats.subject.width).toBeLessThan(100);
    expect(intersectionOverUnion(result.mask!, spine.mask)).toBeGreaterThanOrEqual(0.85);
  });

  it('rejects bytes that are not an image', async () => {
    await expect(removeBackground(Buffer.from('definitely not an image'))).rejects.toThrow();
  });
});

describe('removeBackground around a given mask (the crop, its box and the compositing)', () => {
  // A segmenter that answers a mask drawn here, so the box and the pixels of the result are known exactly.
  const WIDTH = 200;
  const HEIGHT = 150;
  function maskedSegmenter(draw: (alpha: Uint8Array) => void): Segmenter {
    return {
      method: 'test-mask',
      segment: async (image: RgbImage) => {
        const alpha = new Uint8Array(image.width * image.height);
        draw(alpha);
        return { alpha, width: image.width, height: image.height, details: {} };
      },
    };
  }
  const at = (x: number, y: number) => y * WIDTH + x;
  const photo = () => sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: { r: 40, g: 80, b: 160 } } }).png().toBuffer();

  it('crops to the smallest box of half-opaque pixels: a row reaching further out than those before it counts, 127 does not', async () => {
    const segmenter = maskedSegmenter((alpha) => {
      for (let y = 20; y < 130; y++) alpha.fill(255, at(60, y), at(160, y));
      alpha[at(30, 90)] = 128; // one row reaches further left, after many rows that did not
      alpha[at(175, 100)] = 200; // and one further right
      alpha[at(10, 10)] = 127; // under half: not subject
      alpha[at(190, 140)] = 127;
    });
    const result = await removeBackground(await photo(), { segmenter });
    expect(result.stats.subject).toEqual({ left: 30, top: 20, width: 146, height: 110 });
  });

  it('composites edge pixels on the fill by their opacity and fills the margin', async () => {
    const segmenter = maskedSegmenter((alpha) => {
      for (let y = 20; y < 130; y++) alpha.fill(255, at(60, y), at(160, y));
      for (let y = 20; y < 130; y++) alpha[at(60, y)] = 128;
    });
    const result = await removeBackground(await photo(), { segmenter });
    // A dark subject goes on black: the half-opaque left column is the colour at about half strength.
    expect(result.stats.background).toBe('black');
    const margin = (result.stats.outputWidth - result.stats.subject.width) / 2;
    const pixel = async (x: number, y: number) => [...(await sharp(result.png).extract({ left: x, top: y, width: 1, height: 1 }).raw().toBuffer())];
    expect(await pixel(0, 0)).toEqual([0, 0, 0]);
    expect(await pixel(margin + 50, margin + 50)).toEqual([40, 80, 160]);
    expect(await pixel(margin, margin + 50)).toEqual([40, 80, 160].map((c) => Math.round((c * 128) / 255)));
  });
});
