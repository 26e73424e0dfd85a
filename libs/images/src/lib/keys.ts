/** Prefix of every book image object in the images bucket. */
export const BOOKS_PREFIX = 'books/';

/** The key as stored in `book_images.s3_key`: without the `books/` prefix, whichever form it came in. */
export function stripBooksPrefix(key: string): string {
  return key.startsWith(BOOKS_PREFIX) ? key.slice(BOOKS_PREFIX.length) : key;
}

/** The object key of an image: `books/{key}`. Accepts keys with or without the prefix. */
export function imageObjectKey(key: string): string {
  return `${BOOKS_PREFIX}${stripBooksPrefix(key)}`;
}

/**
 * How an image's thumbnail key follows from the image's key, recorded per image in `book_images.thumbnail_key_rule`:
 * the key alone cannot tell (both systems name processed images `{book}_processed_{id}.png`).
 * - `jpg_stem` (ours): `books/thumb_{stem}.jpg`. Thumbnails are JPEG, so the extension is always `.jpg`.
 * - `bluemoxon` (galleries migrated from BlueMoxon): `books/thumb_{key}`, the image's own extension kept
 *   (`thumb_123_processed_x.png`).
 */
export const THUMBNAIL_KEY_RULES = ['jpg_stem', 'bluemoxon'] as const;
export type ThumbnailKeyRule = (typeof THUMBNAIL_KEY_RULES)[number];

/** The object key of an image's thumbnail under `rule` (ours by default). Accepts keys with or without the prefix. */
export function thumbnailObjectKey(key: string, rule: ThumbnailKeyRule = 'jpg_stem'): string {
  const bare = stripBooksPrefix(key);
  if (rule === 'bluemoxon') return `${BOOKS_PREFIX}thumb_${bare}`;
  const stem = bare.replace(/\.[A-Za-z0-9]+$/, '');
  return `${BOOKS_PREFIX}thumb_${stem}.jpg`;
}

/** An image as a `book_images` row stores it. */
export interface StoredImage {
  s3_key: string;
  /** One of {@link THUMBNAIL_KEY_RULES}; a database CHECK keeps it so. */
  thumbnail_key_rule: string;
}

/**
 * Both objects of a stored image, for serving and deleting: `books/{key}` and its thumbnail under the image's own
 * rule. Throws for a rule this code does not know rather than guessing a key.
 */
export function storedImageObjectKeys(image: StoredImage): { original: string; thumbnail: string } {
  const rule = image.thumbnail_key_rule;
  if (!(THUMBNAIL_KEY_RULES as readonly string[]).includes(rule)) throw new Error(`unknown thumbnail_key_rule "${rule}" for image key ${image.s3_key}`);
  return { original: imageObjectKey(image.s3_key), thumbnail: thumbnailObjectKey(image.s3_key, rule as ThumbnailKeyRule) };
}
