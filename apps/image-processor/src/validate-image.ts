import { detectImageFormat, type ImageFormat } from '@bmx/images';
import sharp from 'sharp';

/** A verdict on a downloaded source image. */
export type ImageCheck = { ok: true; format: ImageFormat; width: number; height: number } | { ok: false; reason: string };

/**
 * Checks what can be checked from the header alone, before any pixel is decoded: an accepted format by magic bytes,
 * a header sharp can read, and no side over `maxDimension` (the decode of a huge image would exhaust the Lambda).
 */
export async function checkSourceImage(bytes: Buffer, maxDimension: number): Promise<ImageCheck> {
  const format = detectImageFormat(bytes);
  if (!format) return { ok: false, reason: 'not an accepted image (JPEG, PNG, WebP or GIF by its first bytes)' };
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(bytes).metadata());
  } catch (error) {
    return { ok: false, reason: `image cannot be decoded: ${(error as Error).message}` };
  }
  if (!width || !height) return { ok: false, reason: 'image cannot be decoded: no dimensions in its header' };
  if (width > maxDimension || height > maxDimension) {
    return { ok: false, reason: `image is ${width}×${height} px; the limit is ${maxDimension} px a side` };
  }
  return { ok: true, format, width, height };
}
