// Real-looking cases with exact masks, made from the real photos: a book cut out along its outline in
// masks.json and laid on a backdrop taken from another photo, where it no longer touches the frame.
import sharp from 'sharp';
import { outlineMask, realPhotos } from './photos';

/** A composite photo (JPEG) and its exact subject mask (1 = subject). */
export interface CompositeCase {
  name: string;
  jpeg: Buffer;
  mask: Uint8Array;
  width: number;
  height: number;
}

interface Recipe {
  name: string;
  /** The photo whose outlined subject is laid down. */
  subject: string;
  /** The photo and region (left, top, width, height) stretched into the backdrop. */
  backdrop: string;
  region: [number, number, number, number];
  /** Subject scale and its top-left corner on the 580 × 580 backdrop. */
  scale: number;
  at: [number, number];
}

export const COMPOSITE_RECIPES: readonly Recipe[] = [
  // The cover on the spine photo's white wall and grey floor, clear of the frame all round.
  { name: 'cover-on-wall', subject: 'rubaiyat-7.jpg', backdrop: 'rubaiyat-4.jpg', region: [330, 0, 250, 580], scale: 0.6, at: [150, 90] },
  // The spine on the covers' blue backdrop, touching neither end of the frame.
  { name: 'spine-on-blue', subject: 'rubaiyat-4.jpg', backdrop: 'rubaiyat-3.jpg', region: [0, 0, 60, 580], scale: 0.8, at: [260, 60] },
];

const SIZE = 580;

export async function compositeCase(recipe: Recipe): Promise<CompositeCase> {
  const photos = new Map(realPhotos().map((p) => [p.name, p]));
  const subject = photos.get(recipe.subject);
  const backdrop = photos.get(recipe.backdrop);
  if (!subject?.outline || !backdrop) throw new Error(`${recipe.name}: ${recipe.subject} needs an outline and ${recipe.backdrop} must exist`);
  const meta = await sharp(subject.bytes).metadata();
  const width = meta.width as number;
  const height = meta.height as number;
  const alpha = await outlineMask(subject.outline, width, height);
  const rgb = await sharp(subject.bytes).removeAlpha().raw().toBuffer();
  const rgba = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .joinChannel(Buffer.from(alpha.map((v) => v * 255)), { raw: { width, height, channels: 1 } })
    .raw()
    .toBuffer();
  const scaledWidth = Math.round(width * recipe.scale);
  const scaledHeight = Math.round(height * recipe.scale);
  const laid = await sharp(rgba, { raw: { width, height, channels: 4 } }).resize(scaledWidth, scaledHeight, { fit: 'fill' }).png().toBuffer();
  const [left, top, regionWidth, regionHeight] = recipe.region;
  const base = await sharp(backdrop.bytes).extract({ left, top, width: regionWidth, height: regionHeight }).resize(SIZE, SIZE, { fit: 'fill' }).png().toBuffer();
  const jpeg = await sharp(base)
    .composite([{ input: laid, left: recipe.at[0], top: recipe.at[1] }])
    .jpeg({ quality: 90 })
    .toBuffer();
  const outline = subject.outline.map(([x, y]) => [recipe.at[0] + x * recipe.scale, recipe.at[1] + y * recipe.scale] as [number, number]);
  return { name: recipe.name, jpeg, mask: await outlineMask(outline, SIZE, SIZE), width: SIZE, height: SIZE };
}
