import sharp from 'sharp';

/** Thumbnail edge in pixels: fits inside this square. */
export const THUMBNAIL_SIZE = 300;
/** JPEG quality of thumbnails. */
export const THUMBNAIL_QUALITY = 85;

/** A JPEG thumbnail that fits in 300×300, rotated by EXIF, on white where the source was transparent. */
export async function makeThumbnail(image: Buffer): Promise<Buffer> {
  return sharp(image)
    .rotate()
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: THUMBNAIL_QUALITY })
    .toBuffer();
}
