import sharp from 'sharp';
import type { Box } from './mask';
import { segmentSubject, type SegmentOptions } from './segment';

/** Recorded as `model_used` on completed jobs, so results of a later method can be told apart. */
export const BACKGROUND_METHOD = 'classical-border-kmeans-v1';

/** Options of {@link removeBackground}. */
export interface RemoveBackgroundOptions {
  /** Smallest subject width and height in source pixels; below it the attempt fails. Default 100. */
  minSubjectPixels?: number;
  /** Margin around the subject, as a fraction of its longer side. Default 0.05 (at least 4 px). */
  marginRatio?: number;
  /** Longer side of the copy the mask is computed on. Default 640. */
  workSize?: number;
  /** Also return the full-size subject mask (for measuring quality). Default false. */
  includeMask?: boolean;
  /** Fine tuning of the segmentation. */
  segment?: SegmentOptions;
}

/** What the remover did, for logs and tests. */
export interface BackgroundRemovalStats {
  /** Size of the source after EXIF rotation. */
  sourceWidth: number;
  sourceHeight: number;
  /** The subject's bounding box in source pixels. */
  subject: Box;
  /** Share of the source covered by the subject, 0..1. */
  coverage: number;
  /** Mean 0.299R+0.587G+0.114B of the subject's opaque pixels. */
  meanBrightness: number;
  /** The fill behind the subject: black when the subject is dark (mean < 128), else white. */
  background: 'black' | 'white';
  /** The colour-distance threshold the segmentation used. */
  threshold: number;
  outputWidth: number;
  outputHeight: number;
}

/** The result: an opaque PNG of the subject on black or white, cropped with a margin. */
export interface BackgroundRemovalResult {
  png: Buffer;
  stats: BackgroundRemovalStats;
  /** With `includeMask`: 1 = subject, per source pixel (after EXIF rotation). */
  mask?: Uint8Array;
}

/** The image has no usable subject; retrying the same image gives the same answer. */
export class SubjectNotFoundError extends Error {
  override readonly name = 'SubjectNotFoundError';
}

/**
 * Removes the background of a photo of a book (see README: border colour model, colour distance, morphology,
 * largest component), crops to the subject with a margin and composites it on black or white.
 * Throws {@link SubjectNotFoundError} when nothing stands out from the background or the subject is too small,
 * and sharp's own error when the bytes do not decode.
 */
export async function removeBackground(input: Buffer, options: RemoveBackgroundOptions = {}): Promise<BackgroundRemovalResult> {
  const { minSubjectPixels = 100, marginRatio = 0.05, workSize = 640, includeMask = false } = options;
  // failOn 'error': a truncated upload is rejected rather than half-decoded into grey.
  const source = await sharp(input, { failOn: 'error' })
    .rotate()
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    // Grey, 16-bit and CMYK uploads all become 8-bit sRGB: everything below counts 3 bytes a pixel.
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = source.info;
  if (channels !== 3) throw new Error(`expected 3 channels after conversion to sRGB, got ${channels}`);
  const rgb = source.data;

  const workScale = Math.min(1, workSize / Math.max(width, height));
  const workWidth = Math.max(1, Math.round(width * workScale));
  const workHeight = Math.max(1, Math.round(height * workScale));
  // The blur evens out sensor noise and fine texture before colours are compared.
  const work = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .resize(workWidth, workHeight, { fit: 'fill' })
    .blur(1.2)
    .raw()
    .toBuffer();
  const segmentation = segmentSubject(work, workWidth, workHeight, options.segment);
  if (segmentation.area === 0) throw new SubjectNotFoundError('no subject stands out from the background');

  // The mask is scaled back to the source size; the resampling softens its edge into a narrow alpha ramp.
  const alpha = await sharp(Buffer.from(segmentation.mask.map((v) => v * 255)), { raw: { width: workWidth, height: workHeight, channels: 1 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    // sharp widens a one-channel pipeline to sRGB on output unless told otherwise.
    .extractChannel(0)
    .raw()
    .toBuffer();

  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  let opaque = 0;
  let brightness = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if ((alpha[p] as number) < 128) continue;
      opaque++;
      brightness += 0.299 * (rgb[p * 3] as number) + 0.587 * (rgb[p * 3 + 1] as number) + 0.114 * (rgb[p * 3 + 2] as number);
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  if (opaque === 0) throw new SubjectNotFoundError('no subject stands out from the background');
  const subject: Box = { left: minX, top: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
  if (subject.width < minSubjectPixels || subject.height < minSubjectPixels) {
    throw new SubjectNotFoundError(`subject is ${subject.width}×${subject.height} px, under the ${minSubjectPixels} px minimum`);
  }
  const meanBrightness = brightness / opaque;
  const background = meanBrightness < 128 ? 'black' : 'white';
  const fill = background === 'black' ? 0 : 255;

  // Composite by hand over the crop only: out = colour·α + fill·(1−α).
  const crop = Buffer.alloc(subject.width * subject.height * 3);
  for (let y = 0; y < subject.height; y++) {
    for (let x = 0; x < subject.width; x++) {
      const p = (subject.top + y) * width + subject.left + x;
      const a = (alpha[p] as number) / 255;
      const o = (y * subject.width + x) * 3;
      for (let c = 0; c < 3; c++) crop[o + c] = Math.round((rgb[p * 3 + c] as number) * a + fill * (1 - a));
    }
  }
  const margin = Math.max(4, Math.round(Math.max(subject.width, subject.height) * marginRatio));
  const png = await sharp(crop, { raw: { width: subject.width, height: subject.height, channels: 3 } })
    .extend({ top: margin, bottom: margin, left: margin, right: margin, background: { r: fill, g: fill, b: fill } })
    .png()
    .toBuffer();

  let mask: Uint8Array | undefined;
  if (includeMask) {
    mask = new Uint8Array(width * height);
    for (let p = 0; p < mask.length; p++) mask[p] = (alpha[p] as number) >= 128 ? 1 : 0;
  }
  return {
    png,
    stats: {
      sourceWidth: width,
      sourceHeight: height,
      subject,
      coverage: opaque / (width * height),
      meanBrightness,
      background,
      threshold: segmentation.threshold,
      outputWidth: subject.width + 2 * margin,
      outputHeight: subject.height + 2 * margin,
    },
    ...(mask ? { mask } : {}),
  };
}
