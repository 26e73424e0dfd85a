import sharp from 'sharp';
import { createGrabCutSegmenter } from './grabcut-segmenter';
import { SubjectNotFoundError, type Segmenter } from './segmenter';

/** An axis-aligned box in pixels. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Options of {@link removeBackground}. */
export interface RemoveBackgroundOptions {
  /** How the subject is found. Default: the shared {@link defaultSegmenter}. */
  segmenter?: Segmenter;
  /**
   * Smallest accepted longer side of the subject in source pixels (a spine is narrow, so only its length counts);
   * its shorter side must reach a tenth of it. Default 100.
   */
  minSubjectPixels?: number;
  /** Margin around the subject, as a fraction of its longer side. Default 0.05 (at least 4 px). */
  marginRatio?: number;
  /** Also return the full-size subject mask (for measuring quality and the cutout command). Default false. */
  includeMask?: boolean;
}

/** What the remover did, for logs, tests and the cutout command. */
export interface BackgroundRemovalStats {
  /** The segmentation method, as recorded in `model_used`. */
  method: string;
  /** Size of the source after EXIF rotation. */
  sourceWidth: number;
  sourceHeight: number;
  /** The subject's bounding box in source pixels. */
  subject: Box;
  /** The subject's outline in source pixels, when the method fitted one. */
  outline?: Array<[number, number]>;
  /** Share of the source covered by the subject, 0..1 (sampled on a grid of every 4th pixel above a megapixel). */
  coverage: number;
  /** Mean 0.299R+0.587G+0.114B of the subject's opaque pixels. */
  meanBrightness: number;
  /** The fill behind the subject: black when the subject is dark (mean < 128), else white. */
  background: 'black' | 'white';
  outputWidth: number;
  outputHeight: number;
  /** The method's own figures. */
  segmentation: Record<string, number | string>;
}

/** The result: an opaque PNG of the subject on black or white, cropped with a margin. */
export interface BackgroundRemovalResult {
  png: Buffer;
  stats: BackgroundRemovalStats;
  /** With `includeMask`: 255 where the subject is at least half opaque, else 0, per source pixel after EXIF rotation. */
  mask?: Uint8Array;
}

/** The photo's bytes do not decode to pixels (truncated or corrupt); the same bytes will never decode. */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
}

/** The segmenter jobs use; its method is what completed jobs record as `model_used`. */
export const defaultSegmenter: Segmenter = createGrabCutSegmenter();
/** Recorded as `model_used` on completed jobs, so results of a later method can be told apart. */
export const BACKGROUND_METHOD = defaultSegmenter.method;

/**
 * Removes the background of a photo of a book: decodes it (EXIF rotation applied), asks the segmenter for the
 * subject's mask, crops to the subject with a margin and composites it on black or white.
 * Throws {@link SubjectNotFoundError} when no subject is found or it is too small, {@link ImageDecodeError} when the
 * bytes do not decode; anything else thrown is a failure of the segmentation or compositing itself.
 */
export async function removeBackground(input: Buffer, options: RemoveBackgroundOptions = {}): Promise<BackgroundRemovalResult> {
  const { segmenter = defaultSegmenter, minSubjectPixels = 100, marginRatio = 0.05, includeMask = false } = options;
  let source: { data: Buffer; info: sharp.OutputInfo };
  try {
    // failOn 'error': a truncated upload is rejected rather than half-decoded into grey.
    source = await sharp(input, { failOn: 'error' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .removeAlpha()
      // Grey, 16-bit and CMYK uploads all become 8-bit sRGB: everything below counts 3 bytes a pixel.
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new ImageDecodeError((error as Error).message, { cause: error });
  }
  const { width, height, channels } = source.info;
  if (channels !== 3) throw new Error(`expected 3 channels after conversion to sRGB, got ${channels}`);
  const rgb = source.data;

  const found = await segmenter.segment({ data: rgb, width, height });
  const alpha = found.alpha;

  // Brightness and coverage from every 4th pixel of every 4th row above a megapixel, which is plenty for a mean and
  // keeps a 12-megapixel photo's cost down; the box exactly (subjectBox).
  const subject = subjectBox(alpha, width, height);
  if (!subject) throw new SubjectNotFoundError('no subject stands out from the background');
  const STRIDE = width * height > 1_000_000 ? 4 : 1;
  let sampled = 0;
  let opaque = 0;
  let brightness = 0;
  for (let y = 0; y < height; y += STRIDE) {
    for (let x = 0; x < width; x += STRIDE) {
      const p = y * width + x;
      sampled++;
      if ((alpha[p] as number) < 128) continue;
      opaque++;
      brightness += 0.299 * (rgb[p * 3] as number) + 0.587 * (rgb[p * 3 + 1] as number) + 0.114 * (rgb[p * 3 + 2] as number);
    }
  }
  const longer = Math.max(subject.width, subject.height);
  const shorter = Math.min(subject.width, subject.height);
  if (longer < minSubjectPixels || shorter < minSubjectPixels / 10) {
    throw new SubjectNotFoundError(`subject is ${subject.width}×${subject.height} px, under the ${minSubjectPixels} px minimum`);
  }
  const meanBrightness = opaque > 0 ? brightness / opaque : 0;
  const background = meanBrightness < 128 ? 'black' : 'white';
  const fill = background === 'black' ? 0 : 255;

  // The crop composited on the fill (colour·α + fill·(1−α)) before libvips sees it: only the subject's box is
  // touched, and no full-size 4-channel copy of a 12-megapixel photo is made. libvips adds the margin and encodes.
  const margin = Math.max(4, Math.round(longer * marginRatio));
  const png = await sharp(compositeOnFill(rgb, alpha, width, subject, fill), { raw: { width: subject.width, height: subject.height, channels: 3 } })
    .extend({ top: margin, bottom: margin, left: margin, right: margin, background: { r: fill, g: fill, b: fill } })
    .png()
    .toBuffer();

  return {
    png,
    stats: {
      method: segmenter.method,
      sourceWidth: width,
      sourceHeight: height,
      subject,
      ...(found.outline
        ? {
            outline: found.outline.map(([x, y]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10] as [number, number]),
          }
        : {}),
      coverage: opaque / sampled,
      meanBrightness,
      background,
      outputWidth: subject.width + 2 * margin,
      outputHeight: subject.height + 2 * margin,
      segmentation: found.details,
    },
    ...(includeMask ? { mask: binaryMask(alpha) } : {}),
  };
}

/**
 * The smallest box holding every pixel whose `alpha` is at least half; undefined when there is none. Rows are scanned
 * from each end only as far as the box found so far reaches, so a subject filling the frame costs a fraction of a
 * full pass over a 12-megapixel mask.
 */
function subjectBox(alpha: Uint8Array, width: number, height: number): Box | undefined {
  const opaque = (p: number) => (alpha[p] as number) >= 128;
  const rowHasSubject = (y: number) => {
    for (let p = y * width, end = p + width; p < end; p++) if (opaque(p)) return true;
    return false;
  };
  let top = 0;
  while (top < height && !rowHasSubject(top)) top++;
  if (top === height) return undefined;
  let bottom = height - 1;
  while (!rowHasSubject(bottom)) bottom--;
  let left = width;
  let right = -1;
  for (let y = top; y <= bottom; y++) {
    const row = y * width;
    for (let x = 0; x < left; x++)
      if (opaque(row + x)) {
        left = x;
        break;
      }
    for (let x = width - 1; x > right; x--)
      if (opaque(row + x)) {
        right = x;
        break;
      }
  }
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/** The `box` of an RGB image composited on a grey `fill` by `alpha` (colour·α + fill·(1−α)), 3 bytes a pixel. */
function compositeOnFill(rgb: Uint8Array, alpha: Uint8Array, width: number, box: Box, fill: number): Buffer {
  const out = Buffer.allocUnsafe(box.width * box.height * 3);
  let o = 0;
  for (let y = box.top; y < box.top + box.height; y++) {
    for (let p = y * width + box.left, end = p + box.width; p < end; p++) {
      const a = alpha[p] as number;
      const i = p * 3;
      if (a === 255) {
        out[o] = rgb[i] as number;
        out[o + 1] = rgb[i + 1] as number;
        out[o + 2] = rgb[i + 2] as number;
      } else {
        const weight = a / 255;
        const rest = fill * (1 - weight);
        out[o] = Math.round((rgb[i] as number) * weight + rest);
        out[o + 1] = Math.round((rgb[i + 1] as number) * weight + rest);
        out[o + 2] = Math.round((rgb[i + 2] as number) * weight + rest);
      }
      o += 3;
    }
  }
  return out;
}

/** 255 where `alpha` is at least half, else 0. */
function binaryMask(alpha: Uint8Array): Uint8Array {
  const out = new Uint8Array(alpha.length);
  for (let p = 0; p < alpha.length; p++) out[p] = (alpha[p] as number) >= 128 ? 255 : 0;
  return out;
}

export { SubjectNotFoundError } from './segmenter';
