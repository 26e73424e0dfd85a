// A book's gallery: the order of its images (display_order) and its one primary image. Every change to either is
// here, behind the book's row lock, so the API's uploads, reorders, updates and deletes and the image processor's
// results never interleave their numbering or leave a book with two primaries.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { BookImage, Database, NewBookImage } from './schema';

type Db = Kysely<Database> | Transaction<Database>;

/** An image as the ordering rules see it. */
export type OrderedImage = Pick<BookImage, 'id' | 'display_order'>;

/** Fields of a new image; the gallery decides its `book_id`, `display_order` and `is_primary`. */
export type GalleryImageValues = Omit<NewBookImage, 'book_id' | 'display_order' | 'is_primary'>;

/** A reorder named images that are not the book's. */
export class ForeignImagesError extends Error {
  override readonly name = 'ForeignImagesError';
  constructor(
    readonly bookId: number,
    readonly imageIds: number[],
  ) {
    super(`Not images of book ${bookId}: ${imageIds.join(', ')}`);
  }
}

/**
 * Takes the book's row lock until the transaction ends: every gallery change of one book goes through it, so two
 * never interleave. False when the book does not exist.
 */
export async function lockGallery(trx: Transaction<Database>, bookId: number): Promise<boolean> {
  const book = await trx.selectFrom('books').select('id').where('id', '=', bookId).forUpdate().executeTakeFirst();
  return book !== undefined;
}

/** The book's images in display order (ties by id, i.e. upload order). */
export function listGallery(db: Db, bookId: number): Promise<BookImage[]> {
  return db.selectFrom('book_images').selectAll().where('book_id', '=', bookId).orderBy('display_order').orderBy('id').execute();
}

/** The book's primary image; undefined when it has none. */
export function primaryImage(db: Db, bookId: number): Promise<BookImage | undefined> {
  return db.selectFrom('book_images').selectAll().where('book_id', '=', bookId).where('is_primary', '=', true).executeTakeFirst();
}

/** The book's image `imageId`; undefined when the book has no such image, including when another book does. */
export function galleryImage(db: Db, bookId: number, imageId: number): Promise<BookImage | undefined> {
  return db.selectFrom('book_images').selectAll().where('book_id', '=', bookId).where('id', '=', imageId).executeTakeFirst();
}

/** The book's image whose bytes hash to `contentHash` (SHA-256, hex); undefined when it has none. */
export function galleryImageByHash(db: Db, bookId: number, contentHash: string): Promise<BookImage | undefined> {
  return db.selectFrom('book_images').selectAll().where('book_id', '=', bookId).where('content_hash', '=', contentHash).executeTakeFirst();
}

/**
 * The book's image stored under `s3Key` (the key without the `books/` prefix); undefined when the book has none there,
 * including when another book does.
 */
export function galleryImageByKey(db: Db, bookId: number, s3Key: string): Promise<BookImage | undefined> {
  return db.selectFrom('book_images').selectAll().where('book_id', '=', bookId).where('s3_key', '=', s3Key).executeTakeFirst();
}

/** Makes `imageId` the book's only primary image (inside a locked gallery); true when it was not primary before. */
export async function setPrimary(trx: Transaction<Database>, bookId: number, imageId: number): Promise<boolean> {
  const current = await trx.selectFrom('book_images').select('is_primary').where('id', '=', imageId).executeTakeFirst();
  await trx.updateTable('book_images').set({ is_primary: sql<boolean>`id = ${imageId}` }).where('book_id', '=', bookId).execute();
  return !current?.is_primary;
}

/**
 * Adds an uploaded image at the end of the book's gallery. It becomes the primary when `primary` is asked for or
 * it is the book's first image. Throws when the book does not exist (check it first for a friendly answer).
 */
export function appendImage(db: Kysely<Database>, bookId: number, values: GalleryImageValues, { primary = false }: { primary?: boolean } = {}): Promise<BookImage> {
  return db.transaction().execute(async (trx) => {
    if (!(await lockGallery(trx, bookId))) throw new Error(`book ${bookId} does not exist`);
    const { count, last } = await trx
      .selectFrom('book_images')
      .select([sql<number>`count(*)::int`.as('count'), sql<number | null>`max(display_order)`.as('last')])
      .where('book_id', '=', bookId)
      .executeTakeFirstOrThrow();
    const isPrimary = primary || count === 0;
    if (isPrimary) await trx.updateTable('book_images').set({ is_primary: false }).where('book_id', '=', bookId).execute();
    return trx
      .insertInto('book_images')
      .values({ ...values, book_id: bookId, display_order: last === null ? 0 : last + 1, is_primary: isPrimary })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/**
 * The display order after a processed image is inserted at 0: every other image keeps its relative order, numbered
 * 1..n, except the source, which goes last (the clean result replaces it at the front). `[imageId, newOrder]` pairs.
 */
export function orderAfterProcessedInsert(images: readonly OrderedImage[], sourceImageId: number): Array<[number, number]> {
  const others = [...images].filter((image) => image.id !== sourceImageId).sort((a, b) => a.display_order - b.display_order || a.id - b.id);
  const ordered = images.some((image) => image.id === sourceImageId) ? [...others.map((i) => i.id), sourceImageId] : others.map((i) => i.id);
  return ordered.map((id, index) => [id, index + 1]);
}

/**
 * Puts a processed image at the front of a locked gallery as its primary, and the source it was made from last
 * ({@link orderAfterProcessedInsert}). Returns the new image's id.
 */
export async function insertProcessedImage(trx: Transaction<Database>, bookId: number, values: GalleryImageValues, sourceImageId: number): Promise<number> {
  const existing = await trx.selectFrom('book_images').select(['id', 'display_order']).where('book_id', '=', bookId).execute();
  const inserted = await trx
    .insertInto('book_images')
    .values({ ...values, book_id: bookId, display_order: 0, is_primary: true })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const [imageId, order] of orderAfterProcessedInsert(existing, sourceImageId)) {
    await trx.updateTable('book_images').set({ display_order: order, is_primary: false }).where('id', '=', imageId).execute();
  }
  return inserted.id;
}

/** What a gallery change did to the primary image. */
export interface PrimaryChange {
  /** The primary image now, when it changed (the caller may queue its processing); undefined when it did not. */
  newPrimaryId?: number;
}

/**
 * Orders the book's gallery as `imageIds` says, the unlisted images after them in their current order; the first
 * becomes primary. Throws {@link ForeignImagesError} for ids that are not the book's images.
 */
export function reorderGallery(db: Kysely<Database>, bookId: number, imageIds: readonly number[]): Promise<PrimaryChange> {
  return db.transaction().execute(async (trx) => {
    if (!(await lockGallery(trx, bookId))) throw new Error(`book ${bookId} does not exist`);
    const images = await listGallery(trx, bookId);
    const known = new Set(images.map((i) => i.id));
    const foreign = imageIds.filter((id) => !known.has(id));
    if (foreign.length > 0) throw new ForeignImagesError(bookId, foreign);
    const listed = new Set(imageIds);
    const order = [...imageIds, ...images.map((i) => i.id).filter((id) => !listed.has(id))];
    for (const [index, id] of order.entries()) {
      await trx.updateTable('book_images').set({ display_order: index }).where('id', '=', id).execute();
    }
    const first = order[0];
    if (first === undefined) return {};
    return (await setPrimary(trx, bookId, first)) ? { newPrimaryId: first } : {};
  });
}

/** Image fields a client may change in place. */
export type ImageDetails = Partial<Pick<BookImage, 'caption' | 'image_type' | 'original_filename'>>;

/** Changes an image's details and, with `primary`, makes it the book's primary. */
export function updateGalleryImage(db: Kysely<Database>, bookId: number, imageId: number, details: ImageDetails, { primary = false }: { primary?: boolean } = {}): Promise<PrimaryChange> {
  return db.transaction().execute(async (trx) => {
    if (!(await lockGallery(trx, bookId))) throw new Error(`book ${bookId} does not exist`);
    if (Object.keys(details).length > 0) await trx.updateTable('book_images').set(details).where('id', '=', imageId).where('book_id', '=', bookId).execute();
    return primary && (await setPrimary(trx, bookId, imageId)) ? { newPrimaryId: imageId } : {};
  });
}

/** Removes an image from the gallery; when it was the primary, the first remaining image takes its place. */
export function removeGalleryImage(db: Kysely<Database>, bookId: number, imageId: number): Promise<PrimaryChange> {
  return db.transaction().execute(async (trx) => {
    if (!(await lockGallery(trx, bookId))) throw new Error(`book ${bookId} does not exist`);
    const removed = await trx.deleteFrom('book_images').where('id', '=', imageId).where('book_id', '=', bookId).returning('is_primary').executeTakeFirst();
    if (!removed?.is_primary) return {};
    const [next] = await listGallery(trx, bookId);
    if (!next) return {};
    await setPrimary(trx, bookId, next.id);
    return { newPrimaryId: next.id };
  });
}
