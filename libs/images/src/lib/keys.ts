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
 * The object key of an image's thumbnail: `books/thumb_{stem}.jpg`. Thumbnails are always JPEG, so the
 * extension is always `.jpg` whatever the original's was.
 */
export function thumbnailObjectKey(key: string): string {
  const bare = stripBooksPrefix(key);
  const stem = bare.replace(/\.[A-Za-z0-9]+$/, '');
  return `${BOOKS_PREFIX}thumb_${stem}.jpg`;
}
