// The real photos in tests/fixtures/photos (copied from ../shared/photos, see its README.md) and their outlines
// from masks.json, drawn as masks at the photo's size after EXIF rotation.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

export const PHOTO_DIR = path.resolve(__dirname, '../fixtures/photos');

interface Outlines {
  photos: Record<string, Array<[number, number]>>;
  process_only: string[];
}

/** One real photo: its bytes, and its subject mask (1 = subject) when masks.json outlines it. */
export interface RealPhoto {
  name: string;
  bytes: Buffer;
  outline?: Array<[number, number]>;
}

export function realPhotos(dir = PHOTO_DIR): RealPhoto[] {
  const outlines = JSON.parse(readFileSync(path.join(dir, 'masks.json'), 'utf8')) as Outlines;
  return readdirSync(dir)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .map((name) => ({
      name,
      bytes: readFileSync(path.join(dir, name)),
      ...(outlines.photos[name] ? { outline: outlines.photos[name] } : {}),
    }));
}

/** The outline filled at `width × height` (1 inside, 0 outside), rasterised by libvips from an SVG polygon. */
export async function outlineMask(outline: ReadonlyArray<[number, number]>, width: number, height: number): Promise<Uint8Array> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><polygon points="${outline.map((p) => p.join(',')).join(' ')}" fill="#fff"/></svg>`;
  const data = await sharp({
    create: { width, height, channels: 3, background: '#000' },
  })
    .composite([{ input: Buffer.from(svg) }])
    .extractChannel(0)
    .raw()
    .toBuffer();
  return Uint8Array.from(data, (v) => (v > 127 ? 1 : 0));
}

/** Ways the same photo reaches us: each changes the pixels, and moves the outline with them (all saved at quality 92). */
export const PHOTO_VARIANTS: ReadonlyArray<{
  name: string;
  change: (image: sharp.Sharp, width: number, height: number) => sharp.Sharp;
  point: (p: [number, number], width: number, height: number) => [number, number];
}> = [
  { name: 'saved again as JPEG', change: (image) => image, point: (p) => p },
  { name: 'mirrored', change: (image) => image.flop(), point: ([x, y], width) => [width - x, y] },
  { name: 'upside down', change: (image) => image.rotate(180), point: ([x, y], width, height) => [width - x, height - y] },
  { name: 'twice the size', change: (image, width, height) => image.resize(width * 2, height * 2), point: ([x, y]) => [x * 2, y * 2] },
  {
    name: 'three quarters the size',
    change: (image, width, height) => image.resize(Math.round(width * 0.75), Math.round(height * 0.75)),
    point: ([x, y]) => [x * 0.75, y * 0.75],
  },
];
