// Synthetic "photos" of a book with a known mask: the ground truth the segmentation is measured against.
import sharp from 'sharp';

/** Surfaces the book can lie on. */
export type Surface = 'plain' | 'noisy' | 'wood' | 'dark';

/** A generated photo and the exact subject mask (1 = book). */
export interface SyntheticPhoto {
  width: number;
  height: number;
  rgb: Buffer;
  mask: Uint8Array;
}

/** Options of {@link syntheticBookPhoto}. */
export interface SyntheticOptions {
  width?: number;
  height?: number;
  surface?: Surface;
  /** Book size as a fraction of the image. Default 0.5 × 0.65. */
  bookWidth?: number;
  bookHeight?: number;
  /** Rotation of the book in degrees. Default 7. */
  angle?: number;
  /** Cover colour. Default a dark red. */
  cover?: [number, number, number];
  seed?: number;
  /** A soft shadow cast down and to the right, as under a desk lamp. Default false. */
  shadow?: boolean;
}

/** Small deterministic PRNG (mulberry32), so every run draws the same image. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

/** A book (textured cover, title band, light page edge) lying on a surface, with its mask. */
export function syntheticBookPhoto(options: SyntheticOptions = {}): SyntheticPhoto {
  const { width = 480, height = 360, surface = 'plain', bookWidth = 0.5, bookHeight = 0.65, angle = 7, cover = [150, 30, 40], seed = 1, shadow = false } = options;
  const random = prng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const rgb = Buffer.alloc(width * height * 3);
  const mask = new Uint8Array(width * height);
  const cx = width / 2;
  const cy = height / 2;
  const hw = (bookWidth * width) / 2;
  const hh = (bookHeight * height) / 2;
  const cos = Math.cos((angle * Math.PI) / 180);
  const sin = Math.sin((angle * Math.PI) / 180);
  const grainPhase = random() * 10;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      // Book coordinates: u across, v down the cover, both 0..1 inside the book.
      const dx = x - cx;
      const dy = y - cy;
      const u = (dx * cos + dy * sin + hw) / (2 * hw);
      const v = (-dx * sin + dy * cos + hh) / (2 * hh);
      let colour: [number, number, number];
      if (u >= 0 && u <= 1 && v >= 0 && v <= 1) {
        mask[p] = 1;
        const cloth = 12 * Math.sin(x * 1.7) * Math.sin(y * 1.3) + 6 * gauss();
        if (u > 0.94) colour = [235 + 8 * Math.sin(v * 400), 228, 210]; // page edge
        else if (v > 0.15 && v < 0.3 && u > 0.12 && u < 0.85) colour = [220, 190, 90]; // gilt title band
        else colour = [cover[0] + cloth, cover[1] + cloth, cover[2] + cloth];
      } else if (surface === 'plain') {
        colour = [236 - (14 * y) / height, 236 - (14 * y) / height, 232 - (14 * y) / height]; // paper with a soft light falloff
      } else if (surface === 'noisy') {
        const n = 22 * gauss();
        colour = [200 + n, 205 + n + 6 * gauss(), 210 + n];
      } else if (surface === 'dark') {
        colour = [40 + 8 * gauss(), 42 + 8 * gauss(), 48 + 8 * gauss()];
      } else {
        // Wood: light and dark grain bands with noise.
        const grain = Math.sin(y * 0.21 + 3 * Math.sin(x * 0.013 + grainPhase)) * 0.5 + 0.5;
        colour = [150 + 45 * grain + 6 * gauss(), 105 + 35 * grain + 6 * gauss(), 60 + 20 * grain + 6 * gauss()];
      }
      if (shadow && !mask[p]) {
        // Distance outside the book's outline, measured from a copy shifted down-right: darkest next to the book.
        const su = ((dx - 0.03 * width) * cos + (dy - 0.03 * height) * sin + hw) / (2 * hw);
        const sv = (-(dx - 0.03 * width) * sin + (dy - 0.03 * height) * cos + hh) / (2 * hh);
        const out = Math.max(0, -su, su - 1) * 2 * hw + Math.max(0, -sv, sv - 1) * 2 * hh;
        const k = 1 - 0.35 * Math.exp(-out / (0.02 * width));
        colour = [colour[0] * k, colour[1] * k, colour[2] * k];
      }
      rgb[p * 3] = clamp(colour[0]);
      rgb[p * 3 + 1] = clamp(colour[1]);
      rgb[p * 3 + 2] = clamp(colour[2]);
    }
  }
  return { width, height, rgb, mask };
}

/** Encodes a synthetic photo as a camera would: JPEG quality 90. */
export function toJpeg(photo: SyntheticPhoto): Promise<Buffer> {
  return sharp(photo.rgb, { raw: { width: photo.width, height: photo.height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** A solid image of one colour: nothing to find in it. */
export function blankImage(width: number, height: number, colour = '#e8e8e8', format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: colour } });
  return (format === 'png' ? image.png() : image.jpeg()).toBuffer();
}
