import {
  appendImage,
  ForeignImagesError,
  galleryImage,
  galleryImageByHash,
  listGallery,
  primaryImage,
  removeGalleryImage,
  reorderGallery,
  updateGalleryImage,
  type BookImage,
  type Database,
  type ImageDetails,
  type Kysely,
  type PrimaryChange,
  type Transaction,
} from '@bmx/db';
import { detectImageFormat, IMAGE_FORMATS, imageObjectKey, makeThumbnail, storedImageObjectKeys, thumbnailObjectKey, type ImageFormat } from '@bmx/images';
import { createHash, randomUUID } from 'node:crypto';
import type { ApiConfig } from '../config';
import { badRequest, HttpError, notFound } from '../errors';
import { queueImageProcessing, type JobRequester, type QueueResult } from './jobs';
import { deleteObjects, imageUrls, putObject } from './storage';

/** What the image services need. */
export interface ImageDeps {
  db: Kysely<Database>;
  config: ApiConfig;
}

/** An image as every response shows it. */
export type ImageView = BookImage & { url: string; thumbnail_url: string };

/** Throws 404 unless the book exists. */
export async function requireBook(db: Kysely<Database> | Transaction<Database>, bookId: number): Promise<void> {
  const book = await db.selectFrom('books').select('id').where('id', '=', bookId).executeTakeFirst();
  if (!book) throw notFound(`Book ${bookId} does not exist`);
}

/** One image of the book, or 404. */
export async function requireImage(db: Kysely<Database>, bookId: number, imageId: number): Promise<BookImage> {
  const image = await galleryImage(db, bookId, imageId);
  if (!image) throw notFound(`Image ${imageId} does not exist for book ${bookId}`);
  return image;
}

export async function toView(config: ApiConfig, image: BookImage): Promise<ImageView> {
  return {
    ...image,
    ...(await imageUrls(
      { bucket: config.imagesBucket, cdnBaseUrl: config.cdnBaseUrl, presignTtlSeconds: config.presignTtlSeconds, presignReuseSeconds: config.presignReuseSeconds },
      image,
    )),
  };
}

/** A new key for an image of `bookId`: `{bookId}-{uuid}.{ext}`, flat so it is safe in a URL path segment. */
export function newImageKey(bookId: number, format: ImageFormat): string {
  return `${bookId}-${randomUUID()}.${IMAGE_FORMATS[format].extension}`;
}

const KEY_PATTERN = /^(\d+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(jpg|png|webp|gif)$/;

/** True when `key` is one this API issued for `bookId`. */
export function keyBelongsToBook(key: string, bookId: number): boolean {
  const match = KEY_PATTERN.exec(key);
  return Boolean(match && Number(match[1]) === bookId);
}

/** Image metadata a client may set. */
export interface ImageFields {
  original_filename?: string | null;
  caption?: string | null;
  image_type?: string | null;
  is_primary?: boolean;
}

/** What registering an image did. */
export interface RegisterResult {
  image: BookImage;
  duplicate: boolean;
  job?: QueueResult;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Registers an image's bytes for a book: checks the format from its magic bytes (415), returns the existing
 * image for a duplicate (same SHA-256 in the same book), stores the original (unless `storedKey` says it is
 * already in S3) and a JPEG thumbnail, appends it at the end of the order, and makes it primary when it is
 * the first or asked to be, which queues processing.
 */
export async function registerImage(
  deps: ImageDeps,
  bookId: number,
  bytes: Buffer,
  fields: ImageFields,
  requester: JobRequester,
  storedKey?: string,
): Promise<RegisterResult> {
  const { db, config } = deps;
  await requireBook(db, bookId);
  const format = detectImageFormat(bytes);
  if (!format) {
    throw new HttpError(415, 'The file is not a JPEG, PNG, WEBP or GIF image (checked by its content, not its name or declared type)', 'file');
  }
  if (storedKey && !storedKey.endsWith(`.${IMAGE_FORMATS[format].extension}`)) {
    throw new HttpError(415, `The uploaded file is ${format}, but the upload was announced as another type; request a new upload URL with the right content_type`, 'file');
  }
  const hash = sha256(bytes);
  const duplicate = await galleryImageByHash(db, bookId, hash);
  if (duplicate) return { image: duplicate, duplicate: true };

  let thumbnail: Buffer;
  try {
    thumbnail = await makeThumbnail(bytes);
  } catch {
    throw new HttpError(415, `The file looks like ${format} but could not be decoded`, 'file');
  }

  const key = storedKey ?? newImageKey(bookId, format);
  if (!storedKey) await putObject(config.imagesBucket, imageObjectKey(key), bytes, IMAGE_FORMATS[format].mime);
  try {
    await putObject(config.imagesBucket, thumbnailObjectKey(key), thumbnail, 'image/jpeg');
  } catch (error) {
    // Without its thumbnail the image is not registered, so the original we just stored must not linger.
    if (!storedKey) await deleteObjects(config.imagesBucket, [imageObjectKey(key)]).catch(() => undefined);
    throw error;
  }

  let image: BookImage;
  try {
    image = await appendImage(
      db,
      bookId,
      {
        s3_key: key,
        original_filename: fields.original_filename ?? null,
        content_hash: hash,
        image_type: fields.image_type ?? null,
        caption: fields.caption ?? null,
      },
      { primary: fields.is_primary === true },
    );
  } catch (error) {
    // The same bytes registered by a concurrent request: answer with that image and drop our copies.
    const winner = /book_images_hash_uq/.test(String((error as Error).message)) ? await galleryImageByHash(db, bookId, hash) : undefined;
    // A concurrent completion of the same presigned key won with these very objects: keep them.
    if (winner?.s3_key !== key) {
      const keys = [thumbnailObjectKey(key), ...(storedKey && !winner ? [] : [imageObjectKey(key)])];
      await deleteObjects(config.imagesBucket, keys).catch(() => undefined);
    }
    if (winner) return { image: winner, duplicate: true };
    throw error;
  }

  const job = image.is_primary ? await queueImageProcessing(db, config.imageJobsQueue, bookId, image.id, requester) : undefined;
  return { image, duplicate: false, job };
}

/** Queues processing of the gallery's new primary image, when the change made one. */
async function processNewPrimary(deps: ImageDeps, bookId: number, change: PrimaryChange, requester: JobRequester): Promise<QueueResult | undefined> {
  return change.newPrimaryId === undefined ? undefined : queueImageProcessing(deps.db, deps.config.imageJobsQueue, bookId, change.newPrimaryId, requester);
}

/** The book's images in display order, as responses show them. */
export async function listImageViews(deps: ImageDeps, bookId: number): Promise<ImageView[]> {
  return Promise.all((await listGallery(deps.db, bookId)).map((image) => toView(deps.config, image)));
}

/** The book's primary image as responses show it; undefined when it has none. */
export async function primaryImageView(deps: ImageDeps, bookId: number): Promise<ImageView | undefined> {
  const primary = await primaryImage(deps.db, bookId);
  return primary && toView(deps.config, primary);
}

/**
 * Orders the book's images as `imageIds` says (the others after them); the first becomes primary, which queues its
 * processing when it was not primary before. A 400 naming `body.image_ids` for ids that are not the book's.
 */
export async function reorderImages(deps: ImageDeps, bookId: number, imageIds: readonly number[], requester: JobRequester) {
  await requireBook(deps.db, bookId);
  let change: PrimaryChange;
  try {
    change = await reorderGallery(deps.db, bookId, imageIds);
  } catch (error) {
    if (error instanceof ForeignImagesError) throw badRequest(error.message, 'body.image_ids');
    throw error;
  }
  const job = await processNewPrimary(deps, bookId, change, requester);
  return { images: await listImageViews(deps, bookId), job };
}

/** Changes an image's details and, with `is_primary`, makes it primary (which queues its processing). */
export async function updateImage(deps: ImageDeps, bookId: number, imageId: number, update: ImageDetails & { is_primary?: boolean }, requester: JobRequester) {
  await requireImage(deps.db, bookId, imageId);
  const { is_primary, ...details } = update;
  const change = await updateGalleryImage(deps.db, bookId, imageId, details, { primary: is_primary === true });
  const job = await processNewPrimary(deps, bookId, change, requester);
  return { image: await toView(deps.config, await requireImage(deps.db, bookId, imageId)), job };
}

/**
 * Deletes an image's objects, then its row; the next image takes over as primary when it was the primary (and is
 * queued for processing). When S3 refuses, the row stays, so the delete can be repeated.
 */
export async function deleteImage(deps: ImageDeps, bookId: number, imageId: number, requester: JobRequester): Promise<void> {
  const image = await requireImage(deps.db, bookId, imageId);
  const keys = storedImageObjectKeys(image);
  await deleteObjects(deps.config.imagesBucket, [keys.original, keys.thumbnail]);
  await processNewPrimary(deps, bookId, await removeGalleryImage(deps.db, bookId, imageId), requester);
}
